/* main.c: the warroom binary: the CLI with the ncurses front plugged in. */
#include "cli.h"
#include "tui.h"

int main(int argc, char **argv)
{
    static const struct cli_frontend fe = {.run_tui = tui_run};
    return cli_main(argc, argv, &fe);
}
