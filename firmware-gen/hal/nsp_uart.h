/*
 * nsp_uart.h - the contract between a UART driver (nsp_uart_<kind>.c, chosen by board.json uart.kind)
 * and a board's hal.c. The driver implements nsp_hal_uart_write/read from nsp_hal.h and fills a receive
 * ring from its interrupt; the board wires clocks and pins first and sleeps on nsp_uart_has_data.
 * Base address, receive IRQ, baud rate and clock come from nsp_build.h (NSP_UART_BASE, NSP_UART_RX_IRQ,
 * NSP_UART_BAUD, NSP_CLOCK_HZ), written from board.json.
 */
#ifndef NSP_UART_H
#define NSP_UART_H

void nsp_uart_init(void);
int nsp_uart_has_data(void);

#endif
