/* gen_idcard.h: Chinese resident identity card numbers (GB 11643-1999):
 * 6-digit division code, birth date YYYYMMDD, 3-digit sequence (odd for
 * men, even for women) and an ISO 7064 MOD 11-2 check character. */
#ifndef YIBAO_GEN_IDCARD_H
#define YIBAO_GEN_IDCARD_H

/* The check character ('0'-'9' or 'X') of the first 17 digits. */
char gen_idcard_check(const char first17[17]);
/* Writes the 18 characters and a NUL into out. seq is 0..999. */
void gen_idcard_make(const char division[6], int year, int month, int day, int seq, char out[19]);

#endif
