/* gen_idcard.c: builds identity card numbers with their check character. */
#include "gen/gen_idcard.h"

#include "gen/gen_date.h"

char gen_idcard_check(const char first17[17]) {
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * weights[i];
    return check[sum % 11];
}

void gen_idcard_make(const char division[6], int year, int month, int day, int seq, char out[19]) {
    char date[10];
    gen_format_date(year, month, day, date);
    for (int i = 0; i < 6; i++) out[i] = division[i];
    out[6] = date[0];
    out[7] = date[1];
    out[8] = date[2];
    out[9] = date[3];
    out[10] = date[5];
    out[11] = date[6];
    out[12] = date[8];
    out[13] = date[9];
    out[14] = (char)('0' + seq / 100 % 10);
    out[15] = (char)('0' + seq / 10 % 10);
    out[16] = (char)('0' + seq % 10);
    out[17] = gen_idcard_check(out);
    out[18] = '\0';
}
