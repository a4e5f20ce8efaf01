#define _GNU_SOURCE
#include "cfileguard.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FG_SLOTS 64

struct fg_slot {
    _Atomic(uintptr_t) base;   /* 0 = free */
    _Atomic(size_t) length;
    _Atomic(unsigned long) faults;
};

static struct fg_slot slots[FG_SLOTS];
static atomic_int installed;
static long page_size = 4096;   /* read once in fg_install: sysconf is not async-signal-safe */
static struct sigaction previous;

int fg_absorb(int sig, const void *fault_address) {
    if (sig != SIGBUS) return 0;
    uintptr_t addr = (uintptr_t)fault_address;
    for (int i = 0; i < FG_SLOTS; i++) {
        uintptr_t base = atomic_load(&slots[i].base);
        size_t length = atomic_load(&slots[i].length);
        if (base != 0 && length != 0 && addr >= base && addr < base + length) {
            long page = page_size;
            uintptr_t at = addr & ~(uintptr_t)(page - 1);
            /* Replace the vanished file page with zeros; the faulting read then completes. */
            void *p = mmap((void *)at, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (p == MAP_FAILED) return 0;
            atomic_fetch_add(&slots[i].faults, 1);
            return 1;
        }
    }
    return 0;
}

static void fg_handler(int sig, siginfo_t *info, void *context) {
    if (fg_absorb(sig, info->si_addr)) return;
    /* Not ours: behave as if we were never here. */
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) { previous.sa_sigaction(sig, info, context); return; }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

int fg_install(void) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&installed, &expected, 1)) return 0;
    long p = sysconf(_SC_PAGESIZE);
    if (p > 0) page_size = p;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fg_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous) != 0) {
        atomic_store(&installed, 0);
        return -1;
    }
    return 0;
}

int fg_register(const void *base, size_t length) {
    /* Called right after mmap, before any access: the slot is claimed first, then filled in. */
    for (int i = 0; i < FG_SLOTS; i++) {
        uintptr_t expected = 0;
        if (atomic_compare_exchange_strong(&slots[i].base, &expected, (uintptr_t)base)) {
            atomic_store(&slots[i].faults, 0);
            atomic_store(&slots[i].length, length);
            return 0;
        }
    }
    return -1;
}

void fg_unregister(const void *base) {
    for (int i = 0; i < FG_SLOTS; i++) {
        if (atomic_load(&slots[i].base) == (uintptr_t)base) {
            atomic_store(&slots[i].length, 0);
            atomic_store(&slots[i].base, 0);
            return;
        }
    }
}

unsigned long fg_fault_count(const void *base) {
    for (int i = 0; i < FG_SLOTS; i++) {
        if (atomic_load(&slots[i].base) == (uintptr_t)base) return atomic_load(&slots[i].faults);
    }
    return 0;
}
