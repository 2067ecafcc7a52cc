/*
 * printf.c - kprintf and ksnprintf.  Enough of printf for boot logs and tables:
 * %c %s %d %i %u %x %X %p %%, flags '0' and '-', a field width, and the 'l'/'ll' length
 * modifiers (%llx/%llu print 64-bit values without needing libgcc's 64-bit division).
 */
#include "kernel/kernel.h"
#include "drivers/console.h"

struct out {
    char *buf;      /* NULL: write to the console */
    size_t cap, len;
};

static void out_c(struct out *o, char c)
{
    if (o->buf) {
        if (o->len + 1 < o->cap) o->buf[o->len] = c;
    } else {
        console_putc(c);
    }
    o->len++;
}

/* Divides a 64-bit value by a small base in place, returning the remainder. */
static unsigned div64(uint64_t *v, unsigned base)
{
    uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
    uint32_t qhi = hi / base, r = hi % base;
    uint32_t qlo = 0;
    for (int i = 31; i >= 0; i--) {          /* long division of (r:lo) by base */
        r = (r << 1) | ((lo >> i) & 1);
        if (r >= base) { r -= base; qlo |= 1u << i; }
    }
    *v = ((uint64_t)qhi << 32) | qlo;
    return r;
}

static void out_num(struct out *o, uint64_t v, unsigned base, bool neg, bool upper,
                    int width, bool zero, bool left)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { tmp[n++] = digits[div64(&v, base)]; } while (v);
    if (neg) tmp[n++] = '-';
    int pad = width > n ? width - n : 0;
    if (!left && !zero) while (pad-- > 0) out_c(o, ' ');
    if (neg && zero) { out_c(o, '-'); n--; }
    if (!left && zero) while (pad-- > 0) out_c(o, '0');
    while (n) out_c(o, tmp[--n]);
    if (left) while (pad-- > 0) out_c(o, ' ');
}

static void out_str(struct out *o, const char *s, int width, bool left)
{
    int n = (int)strlen(s);
    if (!left) for (int i = n; i < width; i++) out_c(o, ' ');
    while (*s) out_c(o, *s++);
    if (left) for (int i = n; i < width; i++) out_c(o, ' ');
}

static int vformat(struct out *o, const char *f, va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') { out_c(o, *f); continue; }
        bool zero = false, left = false;
        int width = 0, lng = 0;
        for (f++; *f == '0' || *f == '-'; f++) { if (*f == '0') zero = true; else left = true; }
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
        while (*f == 'l') { lng++; f++; }
        switch (*f) {
        case 'c': out_c(o, (char)va_arg(ap, int)); break;
        case 's': { const char *s = va_arg(ap, const char *); out_str(o, s ? s : "(null)", width, left); break; }
        case 'd': case 'i': {
            int64_t v = lng >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
            out_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, false, width, zero, left);
            break;
        }
        case 'u': case 'x': case 'X': {
            uint64_t v = lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            out_num(o, v, *f == 'u' ? 10 : 16, false, *f == 'X', width, zero, left);
            break;
        }
        case 'p': out_num(o, (uint32_t)va_arg(ap, void *), 16, false, false, 8, true, false); break;
        case '%': out_c(o, '%'); break;
        case 0: return (int)o->len;
        default: out_c(o, '%'); out_c(o, *f); break;
        }
    }
    return (int)o->len;
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = { buf, n, 0 };
    int r = vformat(&o, fmt, ap);
    if (n) buf[o.len < n ? o.len : n - 1] = 0;
    return r;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int kprintf(const char *fmt, ...)
{
    struct out o = { NULL, 0, 0 };
    va_list ap;
    va_start(ap, fmt);
    uint32_t fl = irq_save();
    int r = vformat(&o, fmt, ap);
    irq_restore(fl);
    va_end(ap);
    return r;
}
