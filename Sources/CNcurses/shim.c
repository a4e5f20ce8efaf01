/*
 * shim.c — ncursesw wrappers for Swift (see include/cncurses.h for the contract).
 *
 * Everything that touches ncurses macros (getmaxyx, attr_set, KEY_F), ncurses globals (stdscr,
 * COLORS, COLOR_PAIRS) or signal handling lives here, so Swift sees only plain functions.
 * All state is file-static and, like ncurses itself, single-threaded.
 */

/* The wide-character API (wget_wch, mvwaddnwstr, cchar_t) needs this before <curses.h>.
 * Package.swift also defines both macros; the guards keep a direct `cc shim.c` working. */
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "cncurses.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include "cfileguard.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#if defined(__has_include)
#  if __has_include(<ncursesw/curses.h>)
#    include <ncursesw/curses.h>
#  else
#    include <curses.h>
#  endif
#else
#  include <curses.h>
#endif

/* ---- State ------------------------------------------------------------------------------------ */

static SCREEN *g_screen = NULL;
/* Read by the crash handler, hence sig_atomic_t. */
static volatile sig_atomic_t g_active = 0;
static int g_default_colors = 0;

static struct termios g_saved_tty;
static volatile sig_atomic_t g_have_saved_tty = 0;

/* Terminal "leave" sequences (sgr0, cnorm, rmkx, rmcup, mouse off) prepared at init, so the
 * crash handler can write them without calling anything that is not async-signal-safe. */
static char g_leave_sequence[512];
static volatile sig_atomic_t g_leave_length = 0;

static volatile sig_atomic_t g_pending_signal = 0;

static const int k_terminate_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define K_TERMINATE_COUNT ((int)(sizeof k_terminate_signals / sizeof k_terminate_signals[0]))
static struct sigaction g_old_terminate[K_TERMINATE_COUNT];
static int g_terminate_installed = 0;

static const int k_crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
#define K_CRASH_COUNT ((int)(sizeof k_crash_signals / sizeof k_crash_signals[0]))
static struct sigaction g_old_crash[K_CRASH_COUNT];
static int g_crash_installed = 0;

static int g_atexit_registered = 0;

/* ---- tty save / restore ------------------------------------------------------------------------ */

/* Puts back the termios saved before newterm. tcsetattr is async-signal-safe. */
static void restore_saved_tty(void) {
    if (g_have_saved_tty) {
        (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved_tty);
    }
}

/* Appends a terminfo string capability to the leave sequence, if the terminal has it. */
static void append_capability(size_t *length, const char *name) {
    char *value = tigetstr(name);
    if (value == NULL || value == (char *)-1) return;
    size_t n = strlen(value);
    if (*length + n >= sizeof g_leave_sequence) return;
    memcpy(g_leave_sequence + *length, value, n);
    *length += n;
}

static void prepare_leave_sequence(int mouse) {
    size_t length = 0;
    append_capability(&length, "sgr0");
    append_capability(&length, "cnorm");
    append_capability(&length, "rmkx");
    append_capability(&length, "rmcup");
    if (mouse) {
        /* xterm mouse modes ncurses may have enabled (X10/normal, button, any, SGR). */
        static const char off[] = "\033[?1000l\033[?1002l\033[?1003l\033[?1006l";
        if (length + sizeof off - 1 < sizeof g_leave_sequence) {
            memcpy(g_leave_sequence + length, off, sizeof off - 1);
            length += sizeof off - 1;
        }
    }
    g_leave_length = (sig_atomic_t)length;
}

/*
 * Home/End sequences that terminals send but $TERM's terminfo entry may not list (tmux or
 * screen with TERM=xterm-256color sends ESC[1~ / ESC[4~; rxvt sends ESC[7~ / ESC[8~). Only
 * sequences terminfo leaves unbound are added, so real definitions always win.
 */
static void define_fallback_keys(void) {
    static const struct { const char *sequence; int code; } fallbacks[] = {
        { "\033[1~", KEY_HOME }, { "\033[4~", KEY_END },
        { "\033[7~", KEY_HOME }, { "\033[8~", KEY_END },
        { "\033[H", KEY_HOME },  { "\033[F", KEY_END },
        { "\033OH", KEY_HOME },  { "\033OF", KEY_END },
    };
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
        if (key_defined(fallbacks[i].sequence) == 0) {
            define_key(fallbacks[i].sequence, fallbacks[i].code);
        }
    }
}

/* ---- Lifecycle ------------------------------------------------------------------------------------ */

int cncurses_init(int escdelay_ms, int enable_mouse) {
    if (g_active) return CNCURSES_INIT_ALREADY_ACTIVE;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return CNCURSES_INIT_NOT_A_TTY;

    setlocale(LC_ALL, "");
    if (tcgetattr(STDIN_FILENO, &g_saved_tty) == 0) g_have_saved_tty = 1;

    /* newterm, unlike initscr, returns NULL instead of printing and exiting. */
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return CNCURSES_INIT_NO_TERMINFO;
    g_screen = screen;
    set_term(screen);
    g_active = 1;

    /* A terminal that cannot move the cursor (TERM=dumb, emacs shell buffers) would show
     * garbage: refuse it and leave the tty as it was. */
    const char *cursor_address = tigetstr("cup");
    if (cursor_address == NULL || cursor_address == (char *)-1) {
        cncurses_end();
        return CNCURSES_INIT_INCAPABLE;
    }

    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    curs_set(0);
    set_escdelay(escdelay_ms >= 0 ? escdelay_ms : 25);
    define_fallback_keys();
    if (enable_mouse) {
        mousemask(BUTTON1_PRESSED, NULL);
        mouseinterval(0);
    }
    prepare_leave_sequence(enable_mouse);
    return CNCURSES_INIT_OK;
}

void cncurses_end(void) {
    if (g_active) {
        endwin();
        g_active = 0;
        if (g_screen != NULL) {
            delscreen(g_screen);
            g_screen = NULL;
        }
    }
    restore_saved_tty();
    g_have_saved_tty = 0;
}

int cncurses_is_active(void) { return g_active ? 1 : 0; }

int cncurses_isendwin(void) { return g_active ? (isendwin() ? 1 : 0) : 1; }

int cncurses_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    if (codeset == NULL) return 0;
    return strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0;
}

/* ---- Colour and attributes ------------------------------------------------------------------------ */

int cncurses_has_colors(void) { return g_active && has_colors() ? 1 : 0; }

int cncurses_start_color(void) {
    if (!g_active || !has_colors()) return 0;
    if (start_color() == ERR) return 0;
    g_default_colors = (use_default_colors() == OK);
    return 1;
}

int cncurses_colors(void) { return g_active ? COLORS : 0; }

int cncurses_color_pairs(void) { return g_active ? COLOR_PAIRS : 0; }

int cncurses_init_pair(int pair, int fg, int bg) {
    if (!g_active) return -1;
    /* Without use_default_colors, -1 is invalid: fall back to white on black. */
    if (!g_default_colors) {
        if (fg < 0) fg = COLOR_WHITE;
        if (bg < 0) bg = COLOR_BLACK;
    }
    return init_pair((short)pair, (short)fg, (short)bg) == OK ? 0 : -1;
}

void cncurses_set_style(int pair, int bold, int reverse, int underline, int dim) {
    if (!g_active) return;
    attr_t attributes = A_NORMAL;
    if (bold) attributes |= A_BOLD;
    if (reverse) attributes |= A_REVERSE;
    if (underline) attributes |= A_UNDERLINE;
    if (dim) attributes |= A_DIM;
    attr_set(attributes, (short)pair, NULL);
}

/* ---- Output ------------------------------------------------------------------------------------------ */

void cncurses_get_size(int *width, int *height) {
    int rows = 0, columns = 0;
    if (g_active) getmaxyx(stdscr, rows, columns);
    if (width) *width = columns;
    if (height) *height = rows;
}

int cncurses_put(int x, int y, const uint32_t *scalars, int count) {
    if (!g_active || scalars == NULL || count <= 0) return 0;
    int rows, columns;
    getmaxyx(stdscr, rows, columns);
    if (x < 0 || y < 0 || x >= columns || y >= rows) return -1;

    wchar_t local[512];
    wchar_t *text = local;
    if ((size_t)count > sizeof local / sizeof local[0]) {
        text = malloc((size_t)count * sizeof *text);
        if (text == NULL) return -1;
    }
    for (int i = 0; i < count; i++) text[i] = (wchar_t)scalars[i];
    int result = mvwaddnwstr(stdscr, y, x, text, count);
    if (text != local) free(text);
    return result == ERR ? -1 : 0;
}

void cncurses_clear(void) {
    if (!g_active) return;
    werase(stdscr);
    clearok(stdscr, TRUE);
}

void cncurses_refresh(void) {
    if (g_active) wrefresh(stdscr);
}

/* ---- Input ------------------------------------------------------------------------------------------- */

static int translate_key(wint_t code, int *function_number) {
    switch (code) {
    case KEY_UP: return CNCURSES_KEY_UP;
    case KEY_DOWN: return CNCURSES_KEY_DOWN;
    case KEY_LEFT: return CNCURSES_KEY_LEFT;
    case KEY_RIGHT: return CNCURSES_KEY_RIGHT;
    case KEY_PPAGE: case KEY_A3: return CNCURSES_KEY_PAGE_UP;
    case KEY_NPAGE: case KEY_C3: return CNCURSES_KEY_PAGE_DOWN;
    case KEY_HOME: case KEY_A1: return CNCURSES_KEY_HOME;
    case KEY_END: case KEY_C1: return CNCURSES_KEY_END;
    case KEY_ENTER: return CNCURSES_KEY_ENTER;
    case KEY_BTAB: return CNCURSES_KEY_BACKTAB;
    case KEY_BACKSPACE: return CNCURSES_KEY_BACKSPACE;
    case KEY_DC: return CNCURSES_KEY_DELETE;
    case KEY_IC: return CNCURSES_KEY_INSERT;
    default:
        if (code >= KEY_F(1) && code <= KEY_F(63)) {
            *function_number = (int)(code - KEY_F0);
            return CNCURSES_KEY_FUNCTION;
        }
        return CNCURSES_KEY_UNKNOWN;
    }
}

int cncurses_read_event(int timeout_ms, cncurses_event *event) {
    if (event == NULL) return CNCURSES_EVENT_NONE;
    memset(event, 0, sizeof *event);
    if (!g_active) return CNCURSES_EVENT_NONE;

    wtimeout(stdscr, timeout_ms < 0 ? -1 : timeout_ms);
    wint_t code = 0;
    int status = wget_wch(stdscr, &code);
    if (status == ERR) return CNCURSES_EVENT_NONE;

    if (status != KEY_CODE_YES) {
        event->type = CNCURSES_EVENT_CHAR;
        event->code = (int32_t)code;
        return event->type;
    }
    if (code == KEY_RESIZE) {
        event->type = CNCURSES_EVENT_RESIZE;
        return event->type;
    }
    if (code == KEY_MOUSE) {
        MEVENT mouse;
        if (getmouse(&mouse) == OK && (mouse.bstate & BUTTON1_PRESSED)) {
            event->type = CNCURSES_EVENT_MOUSE;
            event->x = mouse.x;
            event->y = mouse.y;
            event->button = 1;
        }
        return event->type;
    }
    int function_number = 0;
    int key = translate_key(code, &function_number);
    event->raw_key = (int)code;
    if (key != CNCURSES_KEY_UNKNOWN) {
        event->type = CNCURSES_EVENT_KEY;
        event->key = key;
        event->function_number = function_number;
    }
    return event->type;
}

/* ---- Terminating signals --------------------------------------------------------------------------- */

static void emergency_restore(void);

/*
 * Records the signal for the run loop (one store to a volatile sig_atomic_t). If an earlier
 * signal is still unread, the loop is not polling (stuck in a long computation): the user is
 * insisting, so restore the terminal and let the signal take its default action.
 */
static void record_signal(int signal_number) {
    if (g_pending_signal != 0) {
        emergency_restore();
        signal(signal_number, SIG_DFL);
        raise(signal_number);
        return;
    }
    g_pending_signal = signal_number;
}

void cncurses_install_signal_handlers(void) {
    if (g_terminate_installed) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a blocked read returns so the loop sees the flag */
    for (int i = 0; i < K_TERMINATE_COUNT; i++) {
        sigaction(k_terminate_signals[i], &action, &g_old_terminate[i]);
        /* A signal the parent ignored (nohup, background jobs) stays ignored. */
        if (g_old_terminate[i].sa_handler == SIG_IGN && !(g_old_terminate[i].sa_flags & SA_SIGINFO)) {
            sigaction(k_terminate_signals[i], &g_old_terminate[i], NULL);
        }
    }
    g_terminate_installed = 1;
}

void cncurses_uninstall_signal_handlers(void) {
    if (!g_terminate_installed) return;
    for (int i = 0; i < K_TERMINATE_COUNT; i++) {
        sigaction(k_terminate_signals[i], &g_old_terminate[i], NULL);
    }
    g_terminate_installed = 0;
}

int cncurses_pending_signal(void) {
    int signal_number = (int)g_pending_signal;
    g_pending_signal = 0;
    return signal_number;
}

int cncurses_peek_signal(void) { return (int)g_pending_signal; }

/* ---- atexit ------------------------------------------------------------------------------------------ */

static void restore_at_exit(void) {
    if (g_active) {
        endwin();
        g_active = 0;
    }
    restore_saved_tty();
    g_have_saved_tty = 0;
}

void cncurses_install_atexit_restore(void) {
    if (g_atexit_registered) return;
    if (atexit(restore_at_exit) == 0) g_atexit_registered = 1;
}

/* ---- Crash signals ----------------------------------------------------------------------------------- */

/* Leaves curses mode with async-signal-safe calls only: write and tcsetattr. */
static void emergency_restore(void) {
    if (!g_active) return;
    g_active = 0;
    if (g_leave_length > 0) {
        ssize_t ignored = write(STDOUT_FILENO, g_leave_sequence, (size_t)g_leave_length);
        (void)ignored;
    }
    restore_saved_tty();
}

static void restore_on_crash(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    /* A SIGBUS from a mapped input file that shrank is not a crash: the file guard maps zeros over
     * the vanished page and the program reports the change (exit 75). It must win over this handler,
     * which was installed after it. */
    if (signal_number == SIGBUS && info != NULL && fg_absorb(signal_number, info->si_addr)) return;
    emergency_restore();
    /* Hand the signal to whoever had it before (Swift's backtracer, or the default action).
     * The signal is blocked while this handler runs, so raise() leaves it pending, and it is
     * delivered to the restored handler as soon as this one returns, in the original context. */
    for (int i = 0; i < K_CRASH_COUNT; i++) {
        if (k_crash_signals[i] == signal_number) {
            sigaction(signal_number, &g_old_crash[i], NULL);
            break;
        }
    }
    raise(signal_number);
}

void cncurses_install_crash_restore(void) {
    if (g_crash_installed) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = restore_on_crash;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    for (int i = 0; i < K_CRASH_COUNT; i++) {
        sigaction(k_crash_signals[i], &action, &g_old_crash[i]);
    }
    g_crash_installed = 1;
}

void cncurses_uninstall_crash_restore(void) {
    if (!g_crash_installed) return;
    for (int i = 0; i < K_CRASH_COUNT; i++) {
        struct sigaction current;
        /* Only put the old handler back if ours is still the one installed. */
        if (sigaction(k_crash_signals[i], NULL, &current) == 0 &&
            (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == restore_on_crash) {
            sigaction(k_crash_signals[i], &g_old_crash[i], NULL);
        }
    }
    g_crash_installed = 0;
}
