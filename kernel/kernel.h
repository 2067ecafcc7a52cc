/*
 * kernel.h - the small vocabulary every kernel file shares: fixed-width types, port I/O,
 * the string routines the compiler may call on its own, kprintf, panic and assertions.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint32_t vaddr_t;   /* linear address */
typedef uint32_t paddr_t;   /* physical byte address (non-PAE: 32 bits) */
typedef uint32_t pfn_t;     /* physical frame number = paddr >> 12 */

#define PAGE_SIZE   4096u
#define PAGE_SHIFT  12
#define PAGE_MASK   0xFFFu
#define PAGE_ALIGN_DOWN(x)  ((uint32_t)(x) & ~PAGE_MASK)
#define PAGE_ALIGN_UP(x)    (((uint32_t)(x) + PAGE_MASK) & ~PAGE_MASK)
#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)           ((a) < (b) ? (a) : (b))
#define MAX(a, b)           ((a) > (b) ? (a) : (b))
#define UNUSED              __attribute__((unused))
#define NORETURN            __attribute__((noreturn))

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void io_wait(void) { outb(0x80, 0); }

static inline uint32_t irq_save(void)
{
    uint32_t f;
    __asm__ volatile("pushfl; popl %0; cli" : "=r"(f) :: "memory");
    return f;
}
static inline void irq_restore(uint32_t f) { if (f & 0x200) __asm__ volatile("sti" ::: "memory"); }

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);
char *strncpy_z(char *d, const char *s, size_t n);   /* always NUL-terminates */
uint32_t strtou(const char *s, const char **end, int base);

/* printf.c: %c %s %d %u %x %X %p %%, with '0', '-' and width; %llx for 64-bit hex. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* panic.c */
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called once by panic() after the message: what the kernel was doing, for a replay (the
 * randomized stress prints its seed and step).  NULL when nobody needs it. */
extern void (*panic_hook)(void);
void backtrace_from(uint32_t ebp, uint32_t eip, bool eip_is_return);
#define ASSERT(c) do { if (!(c)) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)

/* main.c */
extern const char *kernel_cmdline;   /* arguments only (the loader's file name stripped) */
const char *cmdline_get(const char *key); /* value of key=..., or NULL; valid until next call */
bool cmdline_has(const char *word);
/* key=N as a number (decimal or 0x hex); dflt when absent or not a number (warned at boot). */
uint32_t cmdline_number(const char *key, uint32_t dflt);
extern const char *test_pattern;     /* the test= value the harness runs: a copy, NULL without one */

#endif
