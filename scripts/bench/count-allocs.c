// LD_PRELOAD shim that counts heap allocations: every call to malloc, calloc, realloc,
// posix_memalign, aligned_alloc and memalign, forwarded to glibc's own entry points. At exit the
// total is written (as a decimal number) to the file named by COUNT_ALLOCS_OUT, if set; a
// preloaded process can also read the running total with dlsym(RTLD_DEFAULT, "count_allocs_total").
//
//   clang -shared -fPIC -O2 -o count-allocs.so count-allocs.c
//   COUNT_ALLOCS_OUT=/tmp/n LD_PRELOAD=./count-allocs.so ./program; cat /tmp/n
//
// Linux/glibc only (uses __libc_malloc & co., so no dlsym bootstrapping is needed).
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_ulong allocations;

static inline void count(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

/// Allocations so far (all threads).
__attribute__((visibility("default"))) unsigned long count_allocs_total(void) {
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}

void *malloc(size_t size) { count(); return __libc_malloc(size); }

void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }

void *realloc(void *ptr, size_t size) { count(); return __libc_realloc(ptr, size); }

void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }

void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (p == NULL && size != 0) return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("COUNT_ALLOCS_OUT");
    if (path == NULL || *path == 0) return;
    unsigned long total = atomic_load(&allocations);
    // fopen allocates after the total is read, so it is not counted.
    FILE *f = fopen(path, "w");
    if (f == NULL) return;
    fprintf(f, "%lu\n", total);
    fclose(f);
}
