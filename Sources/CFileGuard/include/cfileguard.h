#ifndef CFILEGUARD_H
#define CFILEGUARD_H
#include <stddef.h>

/// Makes read-only file mappings survive the file shrinking under them.
///
/// Touching a page of a mapping past the end of a file that another process truncated raises SIGBUS.
/// For registered mappings the handler maps a zero page over the faulting address, counts the fault
/// and lets the access complete; the program then notices `fg_fault_count()` and reports the file as
/// changed instead of dying. SIGBUS anywhere else keeps its default action.

/// Installs the SIGBUS handler (idempotent). Returns 0 on success.
int fg_install(void);
/// Registers [base, base + length) as a guarded mapping. Returns 0, or -1 when the table is full.
int fg_register(const void *base, size_t length);
/// Forgets a mapping registered with `base`.
void fg_unregister(const void *base);
/// Absorbs a SIGBUS at `fault_address` inside a registered mapping (maps a zero page there and counts
/// the fault). Returns 1 when it did, so the faulting access can simply be retried; 0 otherwise.
/// Async-signal-safe: for other crash handlers (the terminal's) to call before anything else, so
/// that the guard wins whatever the order the handlers were installed in.
int fg_absorb(int sig, const void *fault_address);
/// Faults absorbed inside [base, base + length) since it was registered (0 when none or unknown).
unsigned long fg_fault_count(const void *base);

#endif
