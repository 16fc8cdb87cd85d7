/* nRF52840 DK: UART0 pins wired to the interface MCU's virtual COM port (DK user guide, "Virtual COM port"). */
#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H

#define NSP_UART_TX_PIN 6u /* P0.06 */
#define NSP_UART_RX_PIN 8u /* P0.08 */

#endif
