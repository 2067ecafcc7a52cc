/*
 * user.c - ring-3 runs.  user_call() prepares the current address space (the .utext image
 * mapped read-only+user at USER_TEXT_BASE, a 16 KiB user stack under USER_STACK_TOP), saves
 * the kernel context with ktry_setjmp and irets to the trampoline.  The run ends with the exit
 * system call (int 0x80, EAX = 1, EBX = value) or with a fault, which trap.c hands to
 * user_fault(): either way we longjmp back into user_call with the result.
 */
#include "tests/harness/user.h"
#include "drivers/console.h"
#include "kernel/trap.h"
#include "mm/mm.h"
#include "mm/x86.h"

#define USTACK_PAGES 4
#define SYS_EXIT 1

extern char _utext_start[], _utext_end[], _utext_load[];
extern void user_trampoline(void);
void user_enter(uint32_t eip, uint32_t esp);

/* The ring-3 image and stack prepare() mapped into an address space are found again through
 * that address space's own region list: user.c tags its two reservations (owner OWNER_CORE,
 * kind USER_TEXT / USER_STACK) instead of keeping a table - so struct as, the core's, carries
 * nothing of ours, and a region released by anyone (mm_release, as_destroy) is simply no longer
 * found, with nothing to clean up. */
enum { USER_TEXT = 1, USER_STACK = 2 };          /* region kind, for owner OWNER_CORE */

static struct region *own_region(struct as *as, vaddr_t base, uint16_t kind)
{
    for (struct region *r = as->regions; r && r->base <= base; r = r->next)   /* sorted by base */
        if (r->base == base && r->owner == OWNER_CORE && r->kind == kind) return r;
    return NULL;
}

struct region *user_text_region(struct as *as) { return own_region(as, USER_TEXT_BASE, USER_TEXT); }
struct region *user_stack_region(struct as *as)
{
    return own_region(as, USER_STACK_TOP - USTACK_PAGES * PAGE_SIZE, USER_STACK);
}

static struct ktry user_ctx;
static struct user_result *user_res;
static bool in_user;
static uint32_t faults_survived;

uint32_t user_faults_survived(void) { return faults_survived; }

static void user_exit_syscall(struct trapframe *tf)
{
    if (!in_user || !tf_from_user(tf)) return;
    if (tf->eax == SYS_EXIT) {
        user_res->value = tf->ebx;
        in_user = false;
        ktry_longjmp(&user_ctx, 1);
    }
    tf->eax = (uint32_t)-1;                    /* unknown system call */
}

static void user_fault(struct trapframe *tf)
{
    if (!in_user) return;
    user_res->faulted = true;
    user_res->vector = tf->vector;
    user_res->err = tf->err;
    user_res->cr2 = tf->vector == T_PF ? read_cr2() : 0;
    user_res->eip = tf->eip;
    in_user = false;
    faults_survived++;
    console_mute_screen(true);                  /* expected, and hundreds of them: COM1 only */
    kprintf("user: ring-3 run terminated: vector %u error %x eip %08x cr2 %08x\n",
            tf->vector, tf->err, tf->eip, user_res->cr2);
    console_mute_screen(false);
    ktry_longjmp(&user_ctx, 2);
}

static int prepare(struct as *as);

/* The kernel's own address space gets its ring-3 image and stack at boot, so a test that
 * runs ring-3 code there does not change the free-frame count it is measured by. */
void user_init(void)
{
    trap_register(VEC_SYSCALL, user_exit_syscall);
    trap_user_fault_hook = user_fault;
    if (prepare(as_kernel()) != 0) panic("user: cannot map the ring-3 image");
}

/* Maps the ring-3 image and a stack into the current address space, once. */
static int prepare(struct as *as)
{
    mm_status st;
    uint32_t tpages = (PAGE_ALIGN_UP((uint32_t)_utext_end) - (uint32_t)_utext_start) / PAGE_SIZE;
    if (!user_text_region(as)) {
        struct region *r = mm_reserve(ARENA_PRIVATE, USER_TEXT_BASE, tpages, 1, OWNER_CORE, &st);
        if (!r) return -1;
        pfn_t first = ((uint32_t)_utext_load - KERNEL_VBASE) >> PAGE_SHIFT;
        if (mm_map_physical(USER_TEXT_BASE, tpages, first, 1, MM_PROT_USER) != MM_OK) { mm_release(r); return -1; }
        r->kind = USER_TEXT;
    }
    if (!user_stack_region(as)) {
        vaddr_t base = USER_STACK_TOP - USTACK_PAGES * PAGE_SIZE;
        struct region *r = mm_reserve(ARENA_PRIVATE, base, USTACK_PAGES, 1, OWNER_CORE, &st);
        if (!r) return -1;
        if (mm_commit(base, USTACK_PAGES, MM_PROT_USER | MM_PROT_WRITE, MM_COMMIT_PRESENT, NULL, NULL) != MM_OK) {
            mm_release(r);
            return -1;
        }
        r->kind = USER_STACK;
    }
    return 0;
}

static int run(uint32_t entry, uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2,
               struct user_result *res)
{
    struct as *as = as_current();
    if (prepare(as) != 0) return -1;
    memset(res, 0, sizeof *res);
    uint32_t *sp = (uint32_t *)USER_STACK_TOP;
    x86_user_access_begin();                        /* the user stack is a user page (SMAP) */
    *--sp = a2;
    *--sp = a1;
    *--sp = (uint32_t)fn;
    x86_user_access_end();
    uint32_t kesp;
    __asm__ volatile("mov %%esp, %0" : "=r"(kesp));
    tss_set_kernel_stack((kesp - 256) & ~15u);      /* below every live frame of ours */
    user_res = res;
    user_ctx.prev = NULL;
    if (ktry_setjmp(&user_ctx) == 0) {
        in_user = true;
        user_enter(entry, (uint32_t)sp);
    }
    return 0;
}

int user_call(uint32_t (*fn)(uint32_t, uint32_t), uint32_t a1, uint32_t a2, struct user_result *res)
{
    return run((uint32_t)user_trampoline, fn, a1, a2, res);
}

int user_call_entry(void (*entry)(void), struct user_result *res)
{
    return run((uint32_t)entry, NULL, 0, 0, res);
}
