/*
 * cncurses.h — the only interface between Swift and ncursesw.
 *
 * Swift 6 cannot use ncurses directly: function-like macros (getmaxyx, COLOR_PAIR, KEY_F) do not
 * import, and its globals (stdscr, COLS, ESCDELAY) are errors under strict concurrency
 * (swiftlang/swift#75601). So this header exposes plain functions over plain C types and does
 * not include <curses.h> at all; shim.c includes it (with _XOPEN_SOURCE_EXTENDED defined first,
 * which the wide-character API needs) and translates ncurses key codes into the small enums
 * below. The same pattern as swift-system's CSystem and swift-nio's CNIOLinux.
 *
 * Threading: ncurses keeps global state and is not thread-safe. Call everything here from one
 * thread. Only one screen can be active at a time.
 */
#ifndef CNCURSES_H
#define CNCURSES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lifecycle ---------------------------------------------------------------------------- */

/** Result of cncurses_init. */
typedef enum {
    CNCURSES_INIT_OK = 0,
    CNCURSES_INIT_NOT_A_TTY = -1,      /* stdin or stdout is not a terminal */
    CNCURSES_INIT_NO_TERMINFO = -2,    /* newterm failed: $TERM unknown or unset */
    CNCURSES_INIT_ALREADY_ACTIVE = -3, /* a screen is already active */
    CNCURSES_INIT_INCAPABLE = -4       /* the terminal cannot address the cursor (TERM=dumb) */
} cncurses_init_result;

/**
 * Starts curses mode on stdin/stdout: setlocale(LC_ALL, ""), saves the tty (tcgetattr),
 * newterm (which, unlike initscr, reports failure instead of exiting), cbreak, noecho, nonl,
 * keypad, intrflush off, curs_set(0), set_escdelay(escdelay_ms), fallback Home/End sequences
 * (define_key, only where terminfo has none) and, when enable_mouse is
 * non-zero, mousemask(BUTTON1_PRESSED) with mouseinterval(0).
 * cbreak (not raw) keeps ISIG, so Ctrl-C / Ctrl-\ still raise SIGINT / SIGQUIT; see
 * cncurses_install_signal_handlers. Ctrl-Z suspends; ncurses restores and repaints on resume.
 */
int cncurses_init(int escdelay_ms, int enable_mouse);

/** Leaves curses mode: endwin, delscreen, and tcsetattr of the tty saved by init.
 *  Idempotent; safe when init never succeeded. */
void cncurses_end(void);

/** Non-zero while a screen is active (between a successful init and end). */
int cncurses_is_active(void);

/** isendwin(): non-zero when curses mode is suspended or ended (also when never started). */
int cncurses_isendwin(void);

/** Non-zero when the locale chosen by init uses UTF-8 (nl_langinfo(CODESET)). */
int cncurses_locale_is_utf8(void);

/* ---- Colour and attributes ---------------------------------------------------------------- */

/** has_colors(). */
int cncurses_has_colors(void);

/** start_color(), then use_default_colors() so colour -1 means the terminal's default.
 *  Returns 1 when colours are usable, 0 otherwise (no colours, or start_color failed). */
int cncurses_start_color(void);

/** The COLORS and COLOR_PAIRS globals (0 before start_color). */
int cncurses_colors(void);
int cncurses_color_pairs(void);

/** init_pair(pair, fg, bg); -1 means the default colour. Returns 0 on success, -1 on error. */
int cncurses_init_pair(int pair, int fg, int bg);

/** attr_set for the following writes: colour pair (0 = default) and attributes (booleans). */
void cncurses_set_style(int pair, int bold, int reverse, int underline, int dim);

/* ---- Output -------------------------------------------------------------------------------- */

/** getmaxyx(stdscr): the screen size in cells. */
void cncurses_get_size(int *width, int *height);

/**
 * Writes `count` Unicode scalars at (x, y) with the current style (mvwaddnwstr). The caller
 * sends only one-column graphemes (plus combining marks) that end on the screen; writes that
 * start outside the screen are ignored. Returns 0, or -1 when ncurses reported an error (it
 * does for the bottom-right cell, which is still drawn).
 */
int cncurses_put(int x, int y, const uint32_t *scalars, int count);

/** erase() and clearok(): the next refresh repaints the whole screen. */
void cncurses_clear(void);

/** refresh(): sends pending changes to the terminal. */
void cncurses_refresh(void);

/* ---- Input --------------------------------------------------------------------------------- */

/** What cncurses_read_event found. */
typedef enum {
    CNCURSES_EVENT_NONE = 0,   /* timeout, error, or a key this shim does not translate */
    CNCURSES_EVENT_CHAR = 1,   /* a character (including control characters): `code` */
    CNCURSES_EVENT_KEY = 2,    /* a function key: `key` (and `function_number` for F-keys) */
    CNCURSES_EVENT_MOUSE = 3,  /* a mouse button press: `x`, `y`, `button` (1 = primary) */
    CNCURSES_EVENT_RESIZE = 4  /* KEY_RESIZE: the terminal changed size */
} cncurses_event_type;

/** Function keys, translated from ncurses KEY_* codes. */
typedef enum {
    CNCURSES_KEY_UNKNOWN = 0,
    CNCURSES_KEY_UP, CNCURSES_KEY_DOWN, CNCURSES_KEY_LEFT, CNCURSES_KEY_RIGHT,
    CNCURSES_KEY_PAGE_UP, CNCURSES_KEY_PAGE_DOWN, CNCURSES_KEY_HOME, CNCURSES_KEY_END,
    CNCURSES_KEY_ENTER, CNCURSES_KEY_BACKTAB, CNCURSES_KEY_BACKSPACE, CNCURSES_KEY_DELETE,
    CNCURSES_KEY_INSERT, CNCURSES_KEY_FUNCTION
} cncurses_key;

typedef struct {
    int type;             /* cncurses_event_type */
    int32_t code;         /* CHAR: the Unicode scalar (or byte in a non-UTF-8 locale) */
    int key;              /* KEY: a cncurses_key */
    int function_number;  /* KEY with CNCURSES_KEY_FUNCTION: 1 for F1 ... */
    int raw_key;          /* KEY: the untranslated ncurses key code, for diagnostics */
    int x, y, button;     /* MOUSE */
} cncurses_event;

/**
 * Waits up to timeout_ms (negative: forever) with wtimeout + wget_wch and translates what
 * arrives. A signal interrupting the wait ends it early with CNCURSES_EVENT_NONE.
 * Returns event->type.
 */
int cncurses_read_event(int timeout_ms, cncurses_event *event);

/* ---- Signals and emergency restore ----------------------------------------------------------- */

/**
 * Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that only record the signal in a
 * volatile sig_atomic_t (async-signal-safe), without SA_RESTART so a blocked read returns.
 * SIGWINCH is left to ncurses (it becomes KEY_RESIZE). The previous handlers are saved, and a
 * signal the parent ignored (nohup) stays ignored. If a second signal arrives while the first
 * is still unread, the run loop is evidently stuck: the handler restores the tty (as the crash
 * handler does) and lets the signal take its default action, so Ctrl-C twice always exits.
 */
void cncurses_install_signal_handlers(void);

/** Puts back the handlers saved by cncurses_install_signal_handlers (the flag is kept). */
void cncurses_uninstall_signal_handlers(void);

/** The last signal recorded by the handlers, or 0; reading it clears it. */
int cncurses_pending_signal(void);

/** Like cncurses_pending_signal but does not clear. */
int cncurses_peek_signal(void);

/**
 * Registers (once per process) an atexit hook that calls endwin() if a screen is still active
 * and restores the saved tty with tcsetattr, so exit() from anywhere leaves a usable shell.
 */
void cncurses_install_atexit_restore(void);

/**
 * Installs handlers for crash signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE) that
 * restore the tty with async-signal-safe calls only (tcsetattr, and write of the terminal's
 * "leave" sequences prepared at init: sgr0, cnorm, rmkx, rmcup, mouse off), then re-raise the
 * signal through the previous handler (Swift's backtracer, or the default action). A Swift
 * fatalError traps with SIGILL/SIGTRAP, which atexit never sees. Idempotent.
 */
void cncurses_install_crash_restore(void);

/** Puts back the crash handlers' predecessors. */
void cncurses_uninstall_crash_restore(void);

#ifdef __cplusplus
}
#endif

#endif /* CNCURSES_H */
