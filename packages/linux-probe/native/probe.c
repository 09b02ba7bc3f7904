/*
 * linux-probe: runs memory-management scenarios against the live Linux kernel.
 *
 * Protocol (see ../README.md): JSON Lines on stdin, one flat object per operation; a line {"op":"end_scenario"}
 * (or end of input) closes a scenario. Each scenario runs in a freshly forked child, inside a fixed address
 * window, and every operation produces one JSON line on stdout; a final {"end":true,...} line closes the scenario.
 *
 * Design constraints, and why:
 * - No malloc anywhere (static buffers only) and glibc's own allocations forced to mmap, so the program break
 *   never moves behind the scenario's back: brk results are reported relative to the initial break.
 * - Every address in a scenario is an offset in the window [WINDOW_BASE, WINDOW_BASE + WINDOW_SIZE), which the
 *   kernel's top-down allocator never reaches, so window-relative addresses are deterministic.
 * - Raw syscalls, so that the kernel (not glibc) judges every argument.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Constants newer than some distributions' headers. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define PAGE ((uint64_t)4096)
#define WINDOW_BASE ((uint64_t)0x100000000000ULL) /* 16 TiB: far below the PIE, heap and mmap areas */
#define WINDOW_SIZE ((uint64_t)1 << 30)

#define MAX_OPS 8192
#define MAX_FIELDS (MAX_OPS * 12)
#define MAX_ITEMS (MAX_OPS * 8)
#define STRPOOL_SIZE (16u << 20)
#define LINE_MAX_BYTES (8u << 20)
#define OUT_SIZE (8u << 20)
#define DATA_MAX (4u << 20)
#define ACCESS_MAX (1u << 20)
#define MAX_PROCS 32
#define MAX_FDS 64
#define MAX_THREADS 16
#define THREAD_OUT_SIZE (1u << 20)

/* ------------------------------------------------------------------------------------------------------------ */
/* Output buffers (one per executing context; no sharing between threads).                                      */

typedef struct {
  char *buf;
  size_t len, cap;
  int overflow;
} ob_t;

static void ob_raw(ob_t *o, const char *s, size_t n) {
  if (o->len + n + 1 > o->cap) {
    o->overflow = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = 0;
}
static void ob_s(ob_t *o, const char *s) { ob_raw(o, s, strlen(s)); }
static void ob_f(ob_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ob_f(ob_t *o, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
  ob_raw(o, tmp, (size_t)n);
}
/* A JSON string literal. */
static void ob_js(ob_t *o, const char *s, size_t n) {
  ob_raw(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      ob_raw(o, e, 2);
    } else if (c < 0x20 || c >= 0x7f) {
      ob_f(o, "\\u%04x", c);
    } else {
      ob_raw(o, (const char *)&c, 1);
    }
  }
  ob_raw(o, "\"", 1);
}
static void ob_jss(ob_t *o, const char *s) { ob_js(o, s, strlen(s)); }
static void ob_hex(ob_t *o, const unsigned char *p, size_t n) {
  static const char hx[] = "0123456789abcdef";
  ob_raw(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    char two[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
    ob_raw(o, two, 2);
  }
  ob_raw(o, "\"", 1);
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Names.                                                                                                        */

typedef struct {
  const char *name;
  uint64_t value;
} named_t;

#define E(x) {#x, x}
static const named_t ERRNOS[] = {
    E(EPERM),   E(ENOENT),    E(ESRCH),   E(EINTR),  E(EIO),       E(ENXIO),     E(E2BIG),  E(ENOEXEC),
    E(EBADF),   E(ECHILD),    E(EAGAIN),  E(ENOMEM), E(EACCES),    E(EFAULT),    E(EBUSY),  E(EEXIST),
    E(EXDEV),   E(ENODEV),    E(ENOTDIR), E(EISDIR), E(EINVAL),    E(ENFILE),    E(EMFILE), E(ENOTTY),
    E(ETXTBSY), E(EFBIG),     E(ENOSPC),  E(ESPIPE), E(EROFS),     E(EMLINK),    E(EPIPE),  E(EDOM),
    E(ERANGE),  E(EDEADLK),   E(ENAMETOOLONG),       E(ENOLCK),    E(ENOSYS),    E(ENOTEMPTY),
    E(ELOOP),   E(ENODATA),   E(EOVERFLOW),          E(EBADFD),    E(EOPNOTSUPP), E(ETIMEDOUT),
    E(ECANCELED), E(EHWPOISON), E(ENOTSUP),
};
static const named_t SIGNALS[] = {E(SIGSEGV), E(SIGBUS), E(SIGILL), E(SIGTRAP), E(SIGFPE), E(SIGABRT),
                                  E(SIGKILL), E(SIGTERM), E(SIGPIPE), E(SIGSYS), E(SIGXFSZ), E(SIGALRM)};
static const named_t PROTS[] = {{"NONE", PROT_NONE},           {"READ", PROT_READ},  {"WRITE", PROT_WRITE},
                                {"EXEC", PROT_EXEC},           {"SEM", 0x8},         {"GROWSDOWN", PROT_GROWSDOWN},
                                {"GROWSUP", PROT_GROWSUP}};
static const named_t MAPFLAGS[] = {{"SHARED", MAP_SHARED},
                                   {"PRIVATE", MAP_PRIVATE},
                                   {"SHARED_VALIDATE", MAP_SHARED_VALIDATE},
                                   {"DROPPABLE", MAP_DROPPABLE},
                                   {"FIXED", MAP_FIXED},
                                   {"ANONYMOUS", MAP_ANONYMOUS},
                                   {"ANON", MAP_ANONYMOUS},
                                   {"32BIT", MAP_32BIT},
                                   {"GROWSDOWN", MAP_GROWSDOWN},
                                   {"DENYWRITE", MAP_DENYWRITE},
                                   {"EXECUTABLE", MAP_EXECUTABLE},
                                   {"LOCKED", MAP_LOCKED},
                                   {"NORESERVE", MAP_NORESERVE},
                                   {"POPULATE", MAP_POPULATE},
                                   {"NONBLOCK", MAP_NONBLOCK},
                                   {"STACK", MAP_STACK},
                                   {"HUGETLB", MAP_HUGETLB},
                                   {"SYNC", MAP_SYNC},
                                   {"FIXED_NOREPLACE", MAP_FIXED_NOREPLACE},
                                   {"UNINITIALIZED", MAP_UNINITIALIZED}};
static const named_t MREMAPFLAGS[] = {{"MAYMOVE", MREMAP_MAYMOVE}, {"FIXED", MREMAP_FIXED},
                                      {"DONTUNMAP", MREMAP_DONTUNMAP}};
static const named_t ADVICE[] = {{"NORMAL", 0},          {"RANDOM", 1},         {"SEQUENTIAL", 2},
                                 {"WILLNEED", 3},        {"DONTNEED", 4},       {"FREE", 8},
                                 {"REMOVE", 9},          {"DONTFORK", 10},      {"DOFORK", 11},
                                 {"MERGEABLE", 12},      {"UNMERGEABLE", 13},   {"HUGEPAGE", 14},
                                 {"NOHUGEPAGE", 15},     {"DONTDUMP", 16},      {"DODUMP", 17},
                                 {"WIPEONFORK", 18},     {"KEEPONFORK", 19},    {"COLD", 20},
                                 {"PAGEOUT", 21},        {"POPULATE_READ", 22}, {"POPULATE_WRITE", 23},
                                 {"DONTNEED_LOCKED", 24}, {"COLLAPSE", 25},     {"GUARD_INSTALL", 102},
                                 {"GUARD_REMOVE", 103},  {"HWPOISON", 100},     {"SOFT_OFFLINE", 101}};
static const named_t MSYNCFLAGS[] = {{"ASYNC", MS_ASYNC}, {"INVALIDATE", MS_INVALIDATE}, {"SYNC", MS_SYNC}};
static const named_t MLOCK2FLAGS[] = {{"ONFAULT", MLOCK_ONFAULT}};
static const named_t MCLFLAGS[] = {{"CURRENT", MCL_CURRENT}, {"FUTURE", MCL_FUTURE}, {"ONFAULT", MCL_ONFAULT}};
static const named_t RLIMITS[] = {{"AS", RLIMIT_AS},         {"DATA", RLIMIT_DATA},   {"STACK", RLIMIT_STACK},
                                  {"MEMLOCK", RLIMIT_MEMLOCK}, {"NOFILE", RLIMIT_NOFILE}, {"RSS", RLIMIT_RSS},
                                  {"CORE", RLIMIT_CORE},     {"FSIZE", RLIMIT_FSIZE}};
static const named_t UFFD_FLAGS[] = {{"CLOEXEC", O_CLOEXEC}, {"NONBLOCK", O_NONBLOCK},
                                     {"USER_MODE_ONLY", UFFD_USER_MODE_ONLY}};
static const named_t UFFD_FEATURES[] = {
    {"PAGEFAULT_FLAG_WP", 1ULL << 0}, {"EVENT_FORK", 1ULL << 1},         {"EVENT_REMAP", 1ULL << 2},
    {"EVENT_REMOVE", 1ULL << 3},      {"MISSING_HUGETLBFS", 1ULL << 4},  {"MISSING_SHMEM", 1ULL << 5},
    {"EVENT_UNMAP", 1ULL << 6},       {"SIGBUS", 1ULL << 7},             {"THREAD_ID", 1ULL << 8},
    {"MINOR_HUGETLBFS", 1ULL << 9},   {"MINOR_SHMEM", 1ULL << 10},       {"EXACT_ADDRESS", 1ULL << 11},
    {"WP_HUGETLBFS_SHMEM", 1ULL << 12}, {"WP_UNPOPULATED", 1ULL << 13}, {"POISON", 1ULL << 14},
    {"WP_ASYNC", 1ULL << 15},         {"MOVE", 1ULL << 16}};
static const named_t UFFD_IOCTLS[] = {{"REGISTER", 1ULL << 0x00},  {"UNREGISTER", 1ULL << 0x01},
                                      {"WAKE", 1ULL << 0x02},      {"COPY", 1ULL << 0x03},
                                      {"ZEROPAGE", 1ULL << 0x04},  {"MOVE", 1ULL << 0x05},
                                      {"WRITEPROTECT", 1ULL << 0x06}, {"CONTINUE", 1ULL << 0x07},
                                      {"POISON", 1ULL << 0x08},    {"API", 1ULL << 0x3F}};
static const named_t UFFD_MODES[] = {{"MISSING", 1}, {"WP", 2}, {"MINOR", 4}};
static const named_t UFFD_COPY_MODES[] = {{"DONTWAKE", 1}, {"WP", 2}};
static const named_t UFFD_WP_MODES[] = {{"WP", 1}, {"DONTWAKE", 2}};
static const named_t UFFD_MOVE_MODES[] = {{"DONTWAKE", 1}, {"ALLOW_SRC_HOLES", 2}};
static const named_t OPEN_MODES[] = {{"RDONLY", O_RDONLY}, {"WRONLY", O_WRONLY}, {"RDWR", O_RDWR}};
static const named_t POLLBITS[] = {{"POLLIN", POLLIN}, {"POLLOUT", POLLOUT}, {"POLLERR", POLLERR},
                                   {"POLLHUP", POLLHUP}, {"POLLNVAL", POLLNVAL}};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *errno_name(int e, char *tmp) {
  for (size_t i = 0; i < N(ERRNOS); i++)
    if (ERRNOS[i].value == (uint64_t)e) return ERRNOS[i].name;
  sprintf(tmp, "E#%d", e);
  return tmp;
}
static const char *signal_name(int s, char *tmp) {
  for (size_t i = 0; i < N(SIGNALS); i++)
    if (SIGNALS[i].value == (uint64_t)s) return SIGNALS[i].name;
  sprintf(tmp, "SIG#%d", s);
  return tmp;
}
static const char *si_code_name(int sig, int code, char *tmp) {
  if (sig == SIGSEGV) {
    if (code == SEGV_MAPERR) return "SEGV_MAPERR";
    if (code == SEGV_ACCERR) return "SEGV_ACCERR";
    if (code == SEGV_PKUERR) return "SEGV_PKUERR";
  } else if (sig == SIGBUS) {
    if (code == BUS_ADRALN) return "BUS_ADRALN";
    if (code == BUS_ADRERR) return "BUS_ADRERR";
    if (code == BUS_OBJERR) return "BUS_OBJERR";
    if (code == 4) return "BUS_MCEERR_AR";
    if (code == 5) return "BUS_MCEERR_AO";
  } else if (sig == SIGILL) {
    if (code == ILL_ILLOPC) return "ILL_ILLOPC";
    if (code == ILL_ILLOPN) return "ILL_ILLOPN";
    if (code == ILL_PRVOPC) return "ILL_PRVOPC";
  }
  if (code == SI_KERNEL) return "SI_KERNEL";
  if (code == SI_USER) return "SI_USER";
  if (code == SI_TKILL) return "SI_TKILL";
  sprintf(tmp, "CODE#%d", code);
  return tmp;
}
static void ob_names(ob_t *o, const named_t *t, size_t n, uint64_t bits) {
  ob_s(o, "[");
  int first = 1;
  for (size_t i = 0; i < n; i++) {
    if (t[i].value && (bits & t[i].value) == t[i].value) {
      if (!first) ob_s(o, ",");
      ob_jss(o, t[i].name);
      first = 0;
      bits &= ~t[i].value;
    }
  }
  if (bits) {
    if (!first) ob_s(o, ",");
    ob_f(o, "%" PRIu64, bits); /* bits with no name */
  }
  ob_s(o, "]");
}

/* ------------------------------------------------------------------------------------------------------------ */
/* The scenario parser: flat JSON objects whose values are integers, strings, booleans, null, or arrays of      */
/* integers and strings. Integers may be negative or up to 2^64-1. No fractions or exponents (no memory         */
/* argument needs them).                                                                                         */

enum { V_NUM = 1, V_STR, V_BOOL, V_NULL, V_ARR };
typedef struct {
  int t;
  int neg;      /* V_NUM: negative magnitude */
  uint64_t u;   /* V_NUM magnitude, V_BOOL value */
  const char *s; /* V_STR (NUL-terminated in the pool; may contain NUL via \u0000) */
  size_t slen;
  int first, count; /* V_ARR: items */
} jval_t;
typedef struct {
  const char *key;
  jval_t v;
} jfield_t;
typedef struct {
  int first, count; /* fields */
  int line;
  const char *name; /* "op" */
  int proc;          /* executing process index */
  int thread;        /* -1, or the index of the named thread that runs it */
} op_t;

static op_t g_ops[MAX_OPS];
static int g_nops;
static jfield_t g_fields[MAX_FIELDS];
static int g_nfields;
static jval_t g_items[MAX_ITEMS];
static int g_nitems;
static char g_pool[STRPOOL_SIZE];
static size_t g_pool_len;
static char g_line[LINE_MAX_BYTES];
static char g_perr[512];

/* Process and thread names (parsed before the scenario forks, so every process agrees on the indices). */
static const char *g_proc_names[MAX_PROCS];
static int g_nprocs;
static const char *g_thread_names[MAX_THREADS];
static int g_nthreads;

typedef struct {
  const char *p, *end;
} cur_t;

static void skip_ws(cur_t *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}
static int perr(const char *msg, cur_t *c, const char *start) {
  snprintf(g_perr, sizeof g_perr, "%s at column %ld", msg, (long)(c->p - start) + 1);
  return -1;
}
static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}
static int parse_string(cur_t *c, const char *start, const char **out, size_t *outlen) {
  if (c->p >= c->end || *c->p != '"') return perr("expected a string", c, start);
  c->p++;
  char *dst = g_pool + g_pool_len;
  size_t n = 0;
  for (;;) {
    if (c->p >= c->end) return perr("unterminated string", c, start);
    if (g_pool_len + n + 2 >= STRPOOL_SIZE) return perr("scenario too large (string pool)", c, start);
    char ch = *c->p++;
    if (ch == '"') break;
    if ((unsigned char)ch < 0x20) return perr("control character in string", c, start);
    if (ch == '\\') {
      if (c->p >= c->end) return perr("unterminated escape", c, start);
      char e = *c->p++;
      switch (e) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
          if (c->end - c->p < 4) return perr("short \\u escape", c, start);
          int v = 0;
          for (int k = 0; k < 4; k++) {
            int h = hexval(c->p[k]);
            if (h < 0) return perr("bad \\u escape", c, start);
            v = v * 16 + h;
          }
          c->p += 4;
          if (v > 0xff) return perr("\\u escapes above \\u00ff are not supported (names are bytes)", c, start);
          ch = (char)v;
          break;
        }
        default: return perr("bad escape", c, start);
      }
    }
    dst[n++] = ch;
  }
  dst[n] = 0;
  *out = dst;
  *outlen = n;
  g_pool_len += n + 1;
  return 0;
}
static int parse_scalar(cur_t *c, const char *start, jval_t *v, int allow_array);
static int parse_number(cur_t *c, const char *start, jval_t *v) {
  v->t = V_NUM;
  v->neg = 0;
  v->u = 0;
  if (*c->p == '-') {
    v->neg = 1;
    c->p++;
  }
  if (c->p >= c->end || *c->p < '0' || *c->p > '9') return perr("bad number", c, start);
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    uint64_t d = (uint64_t)(*c->p - '0');
    if (v->u > (UINT64_MAX - d) / 10) return perr("integer beyond 2^64-1", c, start);
    v->u = v->u * 10 + d;
    c->p++;
  }
  if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
    return perr("only integers are accepted", c, start);
  if (v->neg && v->u > (1ULL << 63)) return perr("negative integer below -2^63", c, start);
  if (v->neg && v->u == 0) v->neg = 0;
  return 0;
}
static int parse_scalar(cur_t *c, const char *start, jval_t *v, int allow_array) {
  memset(v, 0, sizeof *v);
  skip_ws(c);
  if (c->p >= c->end) return perr("expected a value", c, start);
  char ch = *c->p;
  if (ch == '"') {
    v->t = V_STR;
    return parse_string(c, start, &v->s, &v->slen);
  }
  if (ch == '-' || (ch >= '0' && ch <= '9')) return parse_number(c, start, v);
  if (c->end - c->p >= 4 && !memcmp(c->p, "true", 4)) {
    v->t = V_BOOL;
    v->u = 1;
    c->p += 4;
    return 0;
  }
  if (c->end - c->p >= 5 && !memcmp(c->p, "false", 5)) {
    v->t = V_BOOL;
    c->p += 5;
    return 0;
  }
  if (c->end - c->p >= 4 && !memcmp(c->p, "null", 4)) {
    v->t = V_NULL;
    c->p += 4;
    return 0;
  }
  if (ch == '[' && allow_array) {
    c->p++;
    v->t = V_ARR;
    v->first = g_nitems;
    v->count = 0;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
      c->p++;
      return 0;
    }
    for (;;) {
      jval_t item;
      if (parse_scalar(c, start, &item, 0)) return -1;
      if (item.t != V_NUM && item.t != V_STR) return perr("array items must be integers or strings", c, start);
      if (g_nitems >= MAX_ITEMS) return perr("scenario too large (array items)", c, start);
      g_items[g_nitems++] = item;
      v->count++;
      skip_ws(c);
      if (c->p < c->end && *c->p == ',') {
        c->p++;
        continue;
      }
      if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
      }
      return perr("expected , or ] in array", c, start);
    }
  }
  if (ch == '[' || ch == '{') return perr("nested values are not accepted (flat objects only)", c, start);
  return perr("unexpected character", c, start);
}
static const jval_t *field(const op_t *op, const char *key) {
  for (int i = 0; i < op->count; i++)
    if (!strcmp(g_fields[op->first + i].key, key)) return &g_fields[op->first + i].v;
  return NULL;
}
/* Parses one line into an op. Returns 1 for an op, 0 for a blank line, -1 on error (g_perr set). */
static int parse_line(const char *line, size_t len, int lineno, op_t *op) {
  cur_t c = {line, line + len};
  skip_ws(&c);
  if (c.p == c.end) return 0;
  if (*c.p != '{') return perr("expected {", &c, line);
  c.p++;
  op->first = g_nfields;
  op->count = 0;
  op->line = lineno;
  op->name = NULL;
  skip_ws(&c);
  if (c.p < c.end && *c.p == '}') {
    c.p++;
  } else {
    for (;;) {
      skip_ws(&c);
      const char *key;
      size_t klen;
      if (parse_string(&c, line, &key, &klen)) return -1;
      for (int i = 0; i < op->count; i++)
        if (!strcmp(g_fields[op->first + i].key, key)) return perr("duplicate key", &c, line);
      skip_ws(&c);
      if (c.p >= c.end || *c.p != ':') return perr("expected :", &c, line);
      c.p++;
      jval_t v;
      if (parse_scalar(&c, line, &v, 1)) return -1;
      if (g_nfields >= MAX_FIELDS) return perr("scenario too large (fields)", &c, line);
      g_fields[g_nfields].key = key;
      g_fields[g_nfields].v = v;
      g_nfields++;
      op->count++;
      skip_ws(&c);
      if (c.p < c.end && *c.p == ',') {
        c.p++;
        continue;
      }
      if (c.p < c.end && *c.p == '}') {
        c.p++;
        break;
      }
      return perr("expected , or }", &c, line);
    }
  }
  skip_ws(&c);
  if (c.p != c.end) return perr("trailing characters after the object", &c, line);
  const jval_t *nm = field(op, "op");
  if (!nm || nm->t != V_STR) {
    snprintf(g_perr, sizeof g_perr, "missing \"op\" string");
    return -1;
  }
  op->name = nm->s;
  return 1;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Argument access. Errors are reported through the op context's probe_error.                                    */

typedef struct {
  const op_t *op;
  int idx;
  ob_t *o;      /* value output */
  char err[256]; /* probe error (bad op), empty if none */
} ctx_t;

static int bad(ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(ctx_t *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->err, sizeof x->err, fmt, ap);
  va_end(ap);
  return -1;
}
static int parse_numeric_string(const char *s, uint64_t *out) {
  int neg = 0;
  if (*s == '-') {
    neg = 1;
    s++;
  }
  if (!*s) return -1;
  char *end;
  errno = 0;
  unsigned long long v;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    v = strtoull(s + 2, &end, 16), end = (s[2] ? end : (char *)s);
  else
    v = strtoull(s, &end, 10);
  if (*end || errno) return -1;
  *out = neg ? (uint64_t)(-(int64_t)v) : (uint64_t)v;
  return 0;
}
static int lookup_name(const named_t *t, size_t n, const char *s, uint64_t *out) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].name, s)) {
      *out = t[i].value;
      return 0;
    }
  return parse_numeric_string(s, out);
}
static int item_value(ctx_t *x, const char *key, const jval_t *v, const named_t *t, size_t n, uint64_t *out) {
  if (v->t == V_NUM) {
    *out = v->neg ? (uint64_t)(-(int64_t)v->u) : v->u; /* negative numbers pass as two's complement */
    return 0;
  }
  if (v->t == V_STR) {
    if (t ? lookup_name(t, n, v->s, out) == 0 : parse_numeric_string(v->s, out) == 0) return 0;
    return bad(x, "unknown value \"%s\" for \"%s\"", v->s, key);
  }
  return bad(x, "\"%s\" must be a number%s", key, t ? ", a name or an array of them" : "");
}
/* A number, numeric string ("0x..", "-1"), a name from t, or an array of these OR-ed together. */
static int get_u64(ctx_t *x, const char *key, const named_t *t, size_t n, int required, uint64_t dflt,
                   uint64_t *out) {
  const jval_t *v = field(x->op, key);
  if (!v || v->t == V_NULL) {
    if (required) return bad(x, "missing \"%s\"", key);
    *out = dflt;
    return 0;
  }
  if (v->t == V_ARR) {
    if (!t) return bad(x, "\"%s\" must be a number", key);
    uint64_t acc = 0;
    for (int i = 0; i < v->count; i++) {
      uint64_t one;
      if (item_value(x, key, &g_items[v->first + i], t, n, &one)) return -1;
      acc |= one;
    }
    *out = acc;
    return 0;
  }
  return item_value(x, key, v, t, n, out);
}
static int get_num(ctx_t *x, const char *key, int required, uint64_t dflt, uint64_t *out) {
  return get_u64(x, key, NULL, 0, required, dflt, out);
}
/* Window-relative address; "abs:0x..." gives an absolute one. */
static int get_addr(ctx_t *x, const char *key, int required, uint64_t *out) {
  const jval_t *v = field(x->op, key);
  if (v && v->t == V_STR && !strncmp(v->s, "abs:", 4)) {
    if (parse_numeric_string(v->s + 4, out)) return bad(x, "bad absolute address \"%s\"", v->s);
    return 0;
  }
  uint64_t rel;
  if (get_num(x, key, required, 0, &rel)) return -1;
  *out = WINDOW_BASE + rel;
  return 0;
}
static const char *get_str(ctx_t *x, const char *key, int required, const char *dflt) {
  const jval_t *v = field(x->op, key);
  if (!v || v->t == V_NULL) {
    if (required) bad(x, "missing \"%s\"", key);
    return dflt;
  }
  if (v->t != V_STR) {
    bad(x, "\"%s\" must be a string", key);
    return NULL;
  }
  return v->s;
}

/* Data for writes: "data" as hex, or "fill" (a byte) with "length". */
static int get_data(ctx_t *x, unsigned char *buf, size_t cap, size_t *len) {
  const jval_t *d = field(x->op, "data");
  if (d) {
    if (d->t != V_STR || d->slen % 2) return bad(x, "\"data\" must be a hex string of whole bytes");
    if (d->slen / 2 > cap) return bad(x, "\"data\" longer than %zu bytes", cap);
    for (size_t i = 0; i < d->slen / 2; i++) {
      int h = hexval(d->s[2 * i]), l = hexval(d->s[2 * i + 1]);
      if (h < 0 || l < 0) return bad(x, "\"data\" is not hex");
      buf[i] = (unsigned char)(h * 16 + l);
    }
    *len = d->slen / 2;
    return 0;
  }
  uint64_t fill, length;
  if (get_num(x, "fill", 1, 0, &fill) || get_num(x, "length", 1, 0, &length)) return -1;
  if (fill > 255) return bad(x, "\"fill\" must be a byte");
  if (length > cap) return bad(x, "\"length\" over %zu bytes", cap);
  memset(buf, (int)fill, length);
  *len = length;
  return 0;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Per-scenario process state.                                                                                   */

typedef struct {
  _Atomic int turn;      /* the index of the op whose turn it is */
  _Atomic int nprocs_live;
  _Atomic int pids[MAX_PROCS];
  _Atomic int main_tids[MAX_PROCS];
  _Atomic int tids[MAX_PROCS][MAX_THREADS]; /* so a manager in any process can name a faulting thread */
} shared_t;

static shared_t *g_sh;
static int g_me;              /* process index */
static int g_pipe[2] = {-1, -1}; /* for kernel-mode access through read()/write() */

typedef struct {
  const char *name;
  int fd;
  int memfd_ordinal; /* 1-based creation order of memfds, used to normalize inode numbers in maps */
  uint64_t ino;
} fdent_t;
static fdent_t g_fds[MAX_FDS];
static int g_nfds;
static int g_memfd_count;

static fdent_t *fd_lookup(const char *name) {
  for (int i = 0; i < g_nfds; i++)
    if (g_fds[i].name && !strcmp(g_fds[i].name, name)) return &g_fds[i];
  return NULL;
}
static fdent_t *fd_add(ctx_t *x, const char *name, int fd) {
  fdent_t *e = fd_lookup(name);
  if (e) {
    bad(x, "fd name \"%s\" already in use", name);
    return NULL;
  }
  if (g_nfds >= MAX_FDS) {
    bad(x, "too many named fds");
    return NULL;
  }
  e = &g_fds[g_nfds++];
  e->name = name;
  e->fd = fd;
  e->memfd_ordinal = 0;
  e->ino = 0;
  return e;
}
/* An fd argument: a name from the fd table, or a number (e.g. -1 or a deliberately bad fd). */
static int get_fd(ctx_t *x, const char *key, int required, int dflt, int *out) {
  const jval_t *v = field(x->op, key);
  if (!v || v->t == V_NULL) {
    if (required) return bad(x, "missing \"%s\"", key);
    *out = dflt;
    return 0;
  }
  if (v->t == V_STR) {
    uint64_t n;
    if (!parse_numeric_string(v->s, &n)) {
      *out = (int)n;
      return 0;
    }
    fdent_t *e = fd_lookup(v->s);
    if (!e) return bad(x, "no fd named \"%s\"", v->s);
    *out = e->fd;
    return 0;
  }
  if (v->t == V_NUM) {
    *out = v->neg ? -(int)v->u : (int)v->u;
    return 0;
  }
  return bad(x, "\"%s\" must be an fd name or number", key);
}

/* Threads running asynchronous ops. */
typedef struct {
  pthread_t th;
  _Atomic int state; /* 0 free, 1 starting, 2 running, 3 done */
  _Atomic int tid;
  int op_index;
  ob_t out;
  char *buf;
} thread_slot_t;
static thread_slot_t g_threads[MAX_THREADS];
static char g_thread_bufs[MAX_THREADS][THREAD_OUT_SIZE];

/* A faulting thread's name: "t1" for a thread of the reading process, "child/t1" for another process's thread,
 * "main" (or "child/main") for a process's main flow. */
static const char *tid_name(int tid, char *buf, size_t cap) {
  if (tid == 0) return NULL;
  for (int p = 0; p < g_nprocs; p++) {
    const char *tn = NULL;
    if (atomic_load(&g_sh->main_tids[p]) == tid) tn = "main";
    for (int i = 0; i < g_nthreads && !tn; i++)
      if (atomic_load(&g_sh->tids[p][i]) == tid) tn = g_thread_names[i];
    if (!tn) continue;
    if (p == g_me) snprintf(buf, cap, "%s", tn);
    else snprintf(buf, cap, "%s/%s", g_proc_names[p], tn);
    return buf;
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* User-mode access with fault capture.                                                                          */

static _Thread_local sigjmp_buf *t_jb;
static _Thread_local volatile int t_sig, t_code;
static _Thread_local volatile uintptr_t t_addr;

static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (!t_jb) {
    /* Not inside an access op: die with the signal so the supervisor reports a crash. */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  t_sig = sig;
  t_code = si->si_code;
  t_addr = (uintptr_t)si->si_addr;
  siglongjmp(*t_jb, 1);
}
static void install_fault_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);
  sigaction(SIGFPE, &sa, NULL);
}

static void ob_addr(ob_t *o, uint64_t a) {
  if (a >= WINDOW_BASE && a <= WINDOW_BASE + WINDOW_SIZE)
    ob_f(o, "%" PRIu64, a - WINDOW_BASE);
  else
    ob_f(o, "{\"abs\":\"0x%" PRIx64 "\"}", a);
}

/* Result helpers: each writes the tail of the result object after "ok". */
static void res_errno(ctx_t *x, int e) {
  char tmp[32];
  ob_s(x->o, "\"ok\":false,\"errno\":");
  ob_jss(x->o, errno_name(e, tmp));
}
static void res_long(ctx_t *x, long r) {
  if (r == -1 && errno) {
    res_errno(x, errno);
    return;
  }
  ob_f(x->o, "\"ok\":true,\"value\":%ld", r);
}
static void res_fault(ctx_t *x, uint64_t start) {
  char t1[32], t2[32];
  ob_s(x->o, "\"ok\":false,\"signal\":");
  ob_jss(x->o, signal_name(t_sig, t1));
  ob_s(x->o, ",\"code\":");
  ob_jss(x->o, si_code_name(t_sig, t_code, t2));
  ob_s(x->o, ",\"fault_addr\":");
  ob_addr(x->o, t_addr);
  ob_f(x->o, ",\"done\":%" PRIu64, t_addr >= start ? (uint64_t)t_addr - start : 0);
}

enum { ACC_READ, ACC_WRITE, ACC_HASH };
/* Sequential access: bytes up to 8-byte alignment, aligned words, then bytes, so a fault's address tells exactly
 * how many bytes were done (an aligned word never crosses a page). */
static int user_access(ctx_t *x, int kind, uint64_t addr_in, unsigned char *buf, size_t len, uint64_t *hash) {
  sigjmp_buf jb;
  volatile uint64_t addr = addr_in;
  volatile uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
  if (sigsetjmp(jb, 1)) {
    t_jb = NULL;
    res_fault(x, addr);
    return -1;
  }
  t_jb = &jb;
  volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)addr;
  size_t i = 0;
  if (kind == ACC_HASH) {
    for (; i < len; i++) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  } else {
    while (i < len && ((addr + i) & 7)) {
      if (kind == ACC_READ) buf[i] = p[i];
      else p[i] = buf[i];
      i++;
    }
    for (; i + 8 <= len; i += 8) {
      volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(addr + i);
      uint64_t v;
      if (kind == ACC_READ) {
        v = *w;
        memcpy(buf + i, &v, 8);
      } else {
        memcpy(&v, buf + i, 8);
        *w = v;
      }
    }
    for (; i < len; i++) {
      if (kind == ACC_READ) buf[i] = p[i];
      else p[i] = buf[i];
    }
  }
  t_jb = NULL;
  if (hash) *hash = h;
  return 0;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* /proc/self/maps and smaps, normalized to the window.                                                          */

static char g_procbuf[16u << 20];

static ssize_t read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n >= cap - 1) {
      close(fd);
      return -2; /* larger than the buffer: never report a truncated file */
    }
  }
  close(fd);
  buf[n] = 0;
  return (ssize_t)n;
}

typedef struct {
  uint64_t start, end, offset, inode;
  char perms[5];
  unsigned dmaj, dmin;
  const char *name;
  size_t namelen;
} mapline_t;

static int parse_mapline(const char *s, const char *e, mapline_t *m) {
  char tmp[256];
  size_t n = (size_t)(e - s) < sizeof tmp - 1 ? (size_t)(e - s) : sizeof tmp - 1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  int consumed = 0;
  unsigned long long st, en, off, ino;
  if (sscanf(tmp, "%llx-%llx %4s %llx %x:%x %llu%n", &st, &en, m->perms, &off, &m->dmaj, &m->dmin, &ino,
             &consumed) < 7)
    return -1;
  m->start = st;
  m->end = en;
  m->offset = off;
  m->inode = ino;
  const char *p = s + consumed;
  while (p < e && *p == ' ') p++;
  m->name = p;
  m->namelen = (size_t)(e - p);
  return 0;
}
static uint64_t normalized_inode(uint64_t ino, unsigned dmaj, unsigned dmin) {
  if (ino == 0) return 0;
  for (int i = 0; i < g_nfds; i++)
    if (g_fds[i].memfd_ordinal && g_fds[i].ino == ino) return (uint64_t)g_fds[i].memfd_ordinal;
  (void)dmaj;
  (void)dmin;
  return 0;
}
/* Renders a maps line the way fs/proc/task_mmu.c does, with window-relative addresses and normalized
 * device/inode: "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", then (if named) padding to column 73 and the name.
 * Lines not wholly inside the window keep absolute addresses and start with "!". */
static void render_rel(ob_t *o, const mapline_t *m, uint64_t base, uint64_t limit) {
  char line[512];
  int inside = m->start >= base && m->end <= limit;
  uint64_t st = inside ? m->start - base : m->start, en = inside ? m->end - base : m->end;
  int n = snprintf(line, sizeof line, "%s%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " 00:00 %" PRIu64 " ",
                   inside ? "" : "!", st, en, m->perms, m->offset, normalized_inode(m->inode, m->dmaj, m->dmin));
  if (m->namelen) {
    int col = inside ? 72 : 73;
    while (n < col && n < (int)sizeof line - 1) line[n++] = ' ';
    line[n++] = ' ';
    size_t k = m->namelen < sizeof line - 1 - (size_t)n ? m->namelen : sizeof line - 1 - (size_t)n;
    memcpy(line + n, m->name, k);
    n += (int)k;
  }
  ob_js(o, line, (size_t)n);
}
static void render_mapline(ob_t *o, const mapline_t *m) { render_rel(o, m, WINDOW_BASE, WINDOW_BASE + WINDOW_SIZE); }
static int intersects_window(const mapline_t *m) {
  return m->end > WINDOW_BASE && m->start < WINDOW_BASE + WINDOW_SIZE;
}
/* Reads /proc/self/maps and emits, relative to `base`, the lines that intersect [lo, hi). */
static void emit_maps_in(ctx_t *x, uint64_t lo, uint64_t hi, uint64_t base, uint64_t limit) {
  ssize_t n = read_file("/proc/self/maps", g_procbuf, sizeof g_procbuf);
  if (n == -2) {
    bad(x, "the /proc file is larger than the probe's %zu-byte buffer", sizeof g_procbuf);
    return;
  }
  if (n < 0) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":[");
  int first = 1;
  for (char *s = g_procbuf; *s;) {
    char *e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    mapline_t m;
    if (!parse_mapline(s, e, &m) && m.end > lo && m.start < hi) {
      if (!first) ob_s(x->o, ",");
      render_rel(x->o, &m, base, limit);
      first = 0;
    }
    s = *e ? e + 1 : e;
  }
  ob_s(x->o, "]");
}
static void op_maps(ctx_t *x) { emit_maps_in(x, WINDOW_BASE, WINDOW_BASE + WINDOW_SIZE, WINDOW_BASE, WINDOW_BASE + WINDOW_SIZE); }

/* vm.max_map_count. The VMA count (mm->map_count) is the number of /proc/self/maps lines below the top of user space
 * (the [vsyscall] line is the gate area, which is no VMA). Both ops report it relative to the limit (count minus
 * vm.max_map_count: 0 at the limit, -k k VMAs below it), so a scenario's results depend neither on the host's limit
 * nor on how many VMAs the probe process has of its own. */
#define FILL_AREA ((uint64_t)0x300000000000ULL) /* map_count_fill's VMAs: outside the window, above the benchmarks */
static int map_count_now(ctx_t *x, long *limit, long *count) {
  char mmc[64];
  ssize_t n = read_file("/proc/sys/vm/max_map_count", mmc, sizeof mmc);
  if (n <= 0) {
    res_errno(x, n < 0 ? errno : EIO);
    ob_s(x->o, ",\"detail\":\"reading /proc/sys/vm/max_map_count\"");
    return -1;
  }
  *limit = strtol(mmc, NULL, 10);
  n = read_file("/proc/self/maps", g_procbuf, sizeof g_procbuf);
  if (n == -2) return bad(x, "/proc/self/maps is larger than the probe's %zu-byte buffer", sizeof g_procbuf), -1;
  if (n < 0) return res_errno(x, errno), -1;
  long c = 0;
  for (char *s = g_procbuf; *s;) {
    char *e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    if (strtoull(s, NULL, 16) < 0x800000000000ULL) c++;
    s = *e ? e + 1 : e;
  }
  *count = c;
  return 0;
}
static void op_map_count(ctx_t *x) {
  long limit, count;
  if (map_count_now(x, &limit, &count)) return;
  ob_f(x->o, "\"ok\":true,\"value\":%ld", count - limit);
}
/* Maps single pages of alternating protections (PROT_READ, PROT_NONE: neighbours never merge) at FILL_AREA until the
 * process has `below` VMAs fewer than vm.max_map_count; one MAP_FIXED_NOREPLACE mapping split by mprotect, so the
 * count never passes the target on the way (a second fill in the same process is EEXIST). A process already there
 * gets nothing. The value is the new count relative to the limit (-below). */
static void op_map_count_fill(ctx_t *x) {
  uint64_t below;
  long limit, count;
  if (get_num(x, "below", 1, 0, &below) || map_count_now(x, &limit, &count)) return;
  if (below > (uint64_t)limit) {
    res_errno(x, EINVAL);
    return;
  }
  long n = limit - (long)below - count;
  if (n > 0) {
    if (syscall(SYS_mmap, FILL_AREA, (uint64_t)n * PAGE, PROT_READ,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1L, 0L) == -1) {
      res_errno(x, errno);
      return;
    }
    for (long i = 1; i < n; i += 2)
      if (syscall(SYS_mprotect, FILL_AREA + (uint64_t)i * PAGE, PAGE, PROT_NONE)) {
        res_errno(x, errno);
        return;
      }
    if (map_count_now(x, &limit, &count)) return;
  }
  ob_f(x->o, "\"ok\":true,\"value\":%ld", count - limit);
}
/* The maps lines of the program break's area ([heap]), with addresses relative to the initial break, so brk
 * scenarios can compare the [heap] line too. */
static uint64_t g_initial_brk;
static void op_heap_maps(ctx_t *x) {
  uint64_t cur = (uint64_t)syscall(SYS_brk, 0L);
  uint64_t limit = (cur + PAGE - 1) & ~(PAGE - 1);
  emit_maps_in(x, g_initial_brk, limit > g_initial_brk ? limit : g_initial_brk + 1, g_initial_brk,
               limit > g_initial_brk ? limit : g_initial_brk);
}
static void op_smaps(ctx_t *x) {
  ssize_t n = read_file("/proc/self/smaps", g_procbuf, sizeof g_procbuf);
  if (n == -2) {
    bad(x, "the /proc file is larger than the probe's %zu-byte buffer", sizeof g_procbuf);
    return;
  }
  if (n < 0) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":[");
  int first = 1, in = 0;
  for (char *s = g_procbuf; *s;) {
    char *e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    mapline_t m;
    char *colon = memchr(s, ':', (size_t)(e - s));
    int is_header = !(colon && colon < e && colon[1] == ' ' && (colon - s) < 40 && !memchr(s, ' ', (size_t)(colon - s)));
    if (is_header && !parse_mapline(s, e, &m)) {
      if (in) ob_s(x->o, "}}");
      in = intersects_window(&m);
      if (in) {
        if (!first) ob_s(x->o, ",");
        first = 0;
        ob_s(x->o, "{\"line\":");
        render_mapline(x->o, &m);
        ob_s(x->o, ",\"fields\":{");
      }
      in = in ? 1 : 0;
    } else if (in && colon) {
      const char *v = colon + 1;
      while (v < e && *v == ' ') v++;
      if (in > 1) ob_s(x->o, ",");
      ob_js(x->o, s, (size_t)(colon - s));
      ob_s(x->o, ":");
      if (!strncmp(s, "VmFlags", 7)) {
        const char *ve = e;
        while (ve > v && ve[-1] == ' ') ve--;
        ob_js(x->o, v, (size_t)(ve - v));
      } else {
        ob_f(x->o, "%llu", strtoull(v, NULL, 10)); /* kB for sizes, a plain number otherwise */
      }
      in = 2;
    }
    s = *e ? e + 1 : e;
  }
  if (in) ob_s(x->o, "}}");
  ob_s(x->o, "]");
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Memory-management system calls.                                                                               */

static void res_addr_or_errno(ctx_t *x, long r) {
  if (r == -1 && errno) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_addr(x->o, (uint64_t)r);
}

static void op_mmap(ctx_t *x) {
  uint64_t addr = 0, len, prot, flags, off;
  int fd;
  const jval_t *a = field(x->op, "addr");
  if (a && a->t != V_NULL) {
    if (get_addr(x, "addr", 1, &addr)) return;
  }
  if (get_num(x, "length", 1, 0, &len) || get_u64(x, "prot", PROTS, N(PROTS), 1, 0, &prot) ||
      get_u64(x, "flags", MAPFLAGS, N(MAPFLAGS), 1, 0, &flags) || get_fd(x, "fd", 0, -1, &fd) ||
      get_num(x, "offset", 0, 0, &off))
    return;
  errno = 0;
  long r = syscall(SYS_mmap, addr, len, prot, flags, (long)fd, off);
  res_addr_or_errno(x, r);
}
static void op_addr_len(ctx_t *x, int nr, const named_t *t, size_t nt, const char *flagkey, int rel_len_default) {
  uint64_t addr, len, flags = 0;
  (void)rel_len_default;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  if (flagkey && get_u64(x, flagkey, t, nt, nr == SYS_madvise || nr == SYS_mprotect, 0, &flags)) return;
  errno = 0;
  long r = flagkey ? syscall(nr, addr, len, flags) : syscall(nr, addr, len);
  res_long(x, r);
}
static void op_mremap(ctx_t *x) {
  uint64_t old, osz, nsz, flags, naddr = 0;
  if (get_addr(x, "old_address", 1, &old) || get_num(x, "old_size", 1, 0, &osz) ||
      get_num(x, "new_size", 1, 0, &nsz) || get_u64(x, "flags", MREMAPFLAGS, N(MREMAPFLAGS), 0, 0, &flags))
    return;
  const jval_t *na = field(x->op, "new_address");
  if (na && na->t != V_NULL && get_addr(x, "new_address", 1, &naddr)) return;
  errno = 0;
  long r = syscall(SYS_mremap, old, osz, nsz, flags, naddr);
  res_addr_or_errno(x, r);
}
static unsigned char *g_mincore_vec; /* WINDOW_SIZE/PAGE bytes followed by a PROT_NONE guard page */
static void op_mincore(ctx_t *x) {
  uint64_t addr, len;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  errno = 0;
  long r = syscall(SYS_mincore, addr, len, g_mincore_vec);
  if (r == -1) {
    res_errno(x, errno);
    return;
  }
  uint64_t pages = (len + PAGE - 1) / PAGE;
  if (pages > WINDOW_SIZE / PAGE) pages = WINDOW_SIZE / PAGE;
  ob_s(x->o, "\"ok\":true,\"value\":[");
  for (uint64_t i = 0; i < pages; i++) ob_f(x->o, i ? ",%u" : "%u", g_mincore_vec[i]);
  ob_s(x->o, "]");
}
/* A read of /proc/self/pagemap for the pages of [addr, addr + length): bits 55-63 of each entry (entry >> 55). The
 * PFN / swap bits below are left out: they depend on privilege and on physical memory, which the model does not
 * have. EINVAL for a length of 0 or past the window (a scenario reads its own pages). */
static void op_pagemap(ctx_t *x) {
  uint64_t addr, len;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  uint64_t first = addr & ~(uint64_t)(PAGE - 1);
  uint64_t pages = (addr + len - first + PAGE - 1) / PAGE;
  if (len == 0 || pages > WINDOW_SIZE / PAGE) {
    res_errno(x, EINVAL);
    return;
  }
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":[");
  for (uint64_t i = 0; i < pages; i++) {
    uint64_t e = 0;
    if (pread(fd, &e, sizeof e, (off_t)((first / PAGE + i) * sizeof e)) != (ssize_t)sizeof e) e = 0;
    ob_f(x->o, i ? ",%u" : "%u", (unsigned)(e >> 55));
  }
  ob_s(x->o, "]");
  close(fd);
}
static void op_brk(ctx_t *x) {
  /* "addr" relative to the initial break; absent or null asks for the current break (brk(0)). */
  const jval_t *a = field(x->op, "addr");
  uint64_t target = 0;
  if (a && a->t != V_NULL) {
    uint64_t rel;
    if (get_num(x, "addr", 1, 0, &rel)) return;
    target = g_initial_brk + rel;
  }
  long r = syscall(SYS_brk, target);
  ob_f(x->o, "\"ok\":true,\"value\":%" PRId64, (int64_t)((uint64_t)r - g_initial_brk));
}
static void op_anon_name(ctx_t *x) {
  uint64_t addr, len;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  const jval_t *v = field(x->op, "name");
  const char *name = NULL;
  if (v && v->t == V_STR) name = v->s;
  else if (v && v->t != V_NULL) {
    bad(x, "\"name\" must be a string or null");
    return;
  }
  errno = 0;
  long r = syscall(SYS_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name);
  res_long(x, r);
}
static void op_setrlimit(ctx_t *x) {
  static const named_t INF[] = {{"INFINITY", RLIM_INFINITY}};
  uint64_t res, cur, max;
  if (get_u64(x, "resource", RLIMITS, N(RLIMITS), 1, 0, &res) || get_u64(x, "cur", INF, 1, 1, 0, &cur) ||
      get_u64(x, "max", INF, 1, 0, cur, &max))
    return;
  struct rlimit rl = {cur, max};
  errno = 0;
  long r = syscall(SYS_prlimit64, 0, res, &rl, NULL);
  res_long(x, r);
}
static void op_getrlimit(ctx_t *x) {
  uint64_t res;
  if (get_u64(x, "resource", RLIMITS, N(RLIMITS), 1, 0, &res)) return;
  struct rlimit rl;
  errno = 0;
  if (syscall(SYS_prlimit64, 0, res, NULL, &rl)) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":{\"cur\":");
  if (rl.rlim_cur == RLIM_INFINITY) ob_s(x->o, "\"INFINITY\"");
  else ob_f(x->o, "%llu", (unsigned long long)rl.rlim_cur);
  ob_s(x->o, ",\"max\":");
  if (rl.rlim_max == RLIM_INFINITY) ob_s(x->o, "\"INFINITY\"");
  else ob_f(x->o, "%llu", (unsigned long long)rl.rlim_max);
  ob_s(x->o, "}");
}

/* Drops capabilities from the effective and permitted sets (the scenario process and its later forks), so
 * scenarios can see unprivileged rules: RLIMIT_MEMLOCK without CAP_IPC_LOCK, EVENT_FORK without CAP_SYS_PTRACE. */
static void op_drop_caps(ctx_t *x) {
  static const named_t CAPS[] = {{"IPC_LOCK", CAP_IPC_LOCK},         {"SYS_PTRACE", CAP_SYS_PTRACE},
                                 {"SYS_RESOURCE", CAP_SYS_RESOURCE}, {"SYS_ADMIN", CAP_SYS_ADMIN},
                                 {"SYS_NICE", CAP_SYS_NICE},         {"IPC_OWNER", CAP_IPC_OWNER}};
  const jval_t *v = field(x->op, "caps");
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d)) {
    res_errno(x, errno);
    return;
  }
  if (v && v->t == V_STR && !strcmp(v->s, "ALL")) {
    memset(d, 0, sizeof d);
  } else {
    if (!v || v->t != V_ARR) {
      bad(x, "\"caps\" must be \"ALL\" or an array of names (IPC_LOCK SYS_PTRACE SYS_RESOURCE SYS_ADMIN ...)");
      return;
    }
    for (int i = 0; i < v->count; i++) {
      uint64_t c;
      if (item_value(x, "caps", &g_items[v->first + i], CAPS, N(CAPS), &c)) return;
      if (c >= 64) {
        bad(x, "capability number out of range");
        return;
      }
      d[c / 32].effective &= ~(1u << (c % 32));
      d[c / 32].permitted &= ~(1u << (c % 32));
    }
  }
  errno = 0;
  res_long(x, syscall(SYS_capset, &h, d));
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Memory access: user mode, kernel mode.                                                                        */

static unsigned char g_acc_main[ACCESS_MAX];

static unsigned char *scratch(ctx_t *x) {
  (void)x;
  return x->op->thread >= 0 ? (unsigned char *)g_threads[x->op->thread].buf + THREAD_OUT_SIZE / 2 : g_acc_main;
}
static size_t scratch_cap(ctx_t *x) { return x->op->thread >= 0 ? THREAD_OUT_SIZE / 8 : ACCESS_MAX; }

static void op_read(ctx_t *x) {
  uint64_t addr, len;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  unsigned char *buf = scratch(x);
  if (len > scratch_cap(x)) {
    bad(x, "\"length\" over %zu bytes (use hash for large ranges)", scratch_cap(x));
    return;
  }
  if (user_access(x, ACC_READ, addr, buf, len, NULL)) return;
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_hex(x->o, buf, len);
}
static void op_write(ctx_t *x) {
  uint64_t addr;
  size_t len, mark = x->o->len;
  if (get_addr(x, "addr", 1, &addr)) return;
  const jval_t *d = field(x->op, "data");
  if (!d) {
    /* A fill of any length: done in chunks so large touches need no big buffer. */
    uint64_t fill, length;
    if (get_num(x, "fill", 1, 0, &fill) || get_num(x, "length", 1, 0, &length)) return;
    if (fill > 255) {
      bad(x, "\"fill\" must be a byte");
      return;
    }
    unsigned char *buf = scratch(x);
    size_t chunk = scratch_cap(x);
    memset(buf, (int)fill, chunk);
    for (uint64_t done = 0; done < length;) {
      size_t k = length - done < chunk ? (size_t)(length - done) : chunk;
      if (user_access(x, ACC_WRITE, addr + done, buf, k, NULL)) {
        /* Report the total done across chunks. */
        x->o->len = mark;
        res_fault(x, addr);
        return;
      }
      done += k;
    }
    ob_f(x->o, "\"ok\":true,\"value\":%" PRIu64, length);
    return;
  }
  unsigned char *buf = scratch(x);
  if (get_data(x, buf, scratch_cap(x), &len)) return;
  if (user_access(x, ACC_WRITE, addr, buf, len, NULL)) return;
  ob_f(x->o, "\"ok\":true,\"value\":%zu", len);
}
static void op_hash(ctx_t *x) {
  uint64_t addr, len, h;
  if (get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  if (user_access(x, ACC_HASH, addr, NULL, len, &h)) return;
  ob_f(x->o, "\"ok\":true,\"value\":\"%016" PRIx64 "\"", h);
}
static void op_exec(ctx_t *x) {
#if defined(__x86_64__)
  uint64_t addr_in;
  if (get_addr(x, "addr", 1, &addr_in)) return;
  volatile uint64_t addr = addr_in;
  sigjmp_buf jb;
  if (sigsetjmp(jb, 1)) {
    t_jb = NULL;
    res_fault(x, addr);
    return;
  }
  t_jb = &jb;
  /* Calls the address: a page holding 0xc3 (ret) returns cleanly; anything else is the scenario's business. */
  ((void (*)(void))(uintptr_t)addr)();
  t_jb = NULL;
  ob_s(x->o, "\"ok\":true,\"value\":0");
#else
  bad(x, "exec is only supported on x86_64");
#endif
}
/* The arguments of a memory transfer: "addr", and the "data" to write or the "length" to read (at most max_len
 * bytes). Nonzero when one is bad (already reported). */
static int get_transfer(ctx_t *x, int write, size_t max_len, uint64_t *addr, unsigned char **buf, size_t *len) {
  if (get_addr(x, "addr", 1, addr)) return -1;
  *buf = scratch(x);
  if (write) return get_data(x, *buf, scratch_cap(x), len) ? -1 : 0;
  uint64_t l;
  if (get_num(x, "length", 1, 0, &l)) return -1;
  if (l > max_len) {
    bad(x, "\"length\" over %zu bytes", max_len);
    return -1;
  }
  *len = (size_t)l;
  return 0;
}
/* The outcome of a transfer that moved r >= 0 bytes: the count, and the bytes a read brought back. */
static void res_transfer(ctx_t *x, long r, int write, const unsigned char *buf) {
  ob_f(x->o, "\"ok\":true,\"value\":%ld", r);
  if (!write) {
    ob_s(x->o, ",\"data\":");
    ob_hex(x->o, buf, (size_t)r);
  }
}
static void op_pvm(ctx_t *x, int write) {
  uint64_t addr;
  unsigned char *buf;
  size_t len;
  if (get_transfer(x, write, scratch_cap(x), &addr, &buf, &len)) return;
  struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
  errno = 0;
  long r = syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L,
                   0L);
  if (r < 0) {
    res_errno(x, errno);
    return;
  }
  res_transfer(x, r, write, buf);
}
/* Both pipe ends block (a non-blocking end turns some EFAULTs into EAGAIN); FIONREAD says what is left. */
static void drain_pipe(void) {
  char tmp[4096];
  int avail = 0;
  while (ioctl(g_pipe[0], FIONREAD, &avail) == 0 && avail > 0)
    if (read(g_pipe[0], tmp, (size_t)avail < sizeof tmp ? (size_t)avail : sizeof tmp) <= 0) break;
}
/* Kernel-mode access through a pipe: write(pipe, addr) makes the kernel read user memory, read(pipe, addr) makes
 * it write user memory. Partial counts and EFAULT come back as the kernel reports them. */
static void op_kaccess(ctx_t *x, int kwrite) {
  uint64_t addr;
  unsigned char *buf;
  size_t len;
  if (get_transfer(x, kwrite, SIZE_MAX, &addr, &buf, &len)) return;
  if (len > (1u << 20)) {
    bad(x, "kernel-mode access over 1 MiB");
    return;
  }
  drain_pipe();
  long r;
  errno = 0;
  if (kwrite) {
    write_all(g_pipe[1], (const char *)buf, len);
    r = read(g_pipe[0], (void *)(uintptr_t)addr, len);
    drain_pipe();
  } else {
    r = write(g_pipe[1], (const void *)(uintptr_t)addr, len);
    if (r > 0) {
      ssize_t got = read(g_pipe[0], buf, (size_t)r);
      (void)got;
    }
    drain_pipe();
  }
  if (r < 0) {
    res_errno(x, errno);
    return;
  }
  res_transfer(x, r, kwrite, buf);
}

/* pread / pwrite of /proc/self/mem at addr (mem_rw, FOLL_FORCE): the bytes moved, partial at the first page that
 * cannot be reached, EIO when none could; reads return the data like kernel_read. */
static void op_proc_mem(ctx_t *x, int write) {
  uint64_t addr;
  unsigned char *buf;
  size_t len;
  if (get_transfer(x, write, scratch_cap(x), &addr, &buf, &len)) return;
  int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  errno = 0;
  /* The raw syscalls: /proc/PID/mem takes offsets of 2^63 and more (FMODE_UNSIGNED_OFFSET). */
  long r = syscall(write ? SYS_pwrite64 : SYS_pread64, (long)fd, buf, (long)len, (long)addr);
  int e = errno;
  close(fd);
  if (r < 0) {
    res_errno(x, e);
    return;
  }
  res_transfer(x, r, write, buf);
}

/* PAGEMAP_SCAN (Linux 6.7) on /proc/self/pagemap: struct pm_scan_arg's fields by name ("start" and "end" are window
 * addresses; omitted fields are 0, except "vec_len", which defaults to the room of the probe's buffer). The regions
 * come back as the kernel wrote them (addresses window-relative), with the walk end. */
struct pm_region {
  uint64_t start, end, categories;
};
struct pm_scan_arg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
      category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN_IOCTL _IOWR('f', 16, struct pm_scan_arg)
static const named_t PM_SCAN_FLAGS[] = {{"WP_MATCHING", 1}, {"CHECK_WPASYNC", 2}};
static const named_t PM_CATEGORIES[] = {{"WPALLOWED", 1},  {"WRITTEN", 2},  {"FILE", 4},
                                        {"PRESENT", 8},    {"SWAPPED", 16}, {"PFNZERO", 32},
                                        {"HUGE", 64},      {"SOFT_DIRTY", 128}, {"GUARD", 256}};
#define PM_SCAN_VEC_MAX 512
static void op_pagemap_scan(ctx_t *x) {
  struct pm_scan_arg a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  if (get_addr(x, "start", 1, &a.start) || get_addr(x, "end", 1, &a.end) ||
      get_u64(x, "flags", PM_SCAN_FLAGS, N(PM_SCAN_FLAGS), 0, 0, &a.flags) ||
      get_num(x, "vec_len", 0, PM_SCAN_VEC_MAX, &a.vec_len) || get_num(x, "max_pages", 0, 0, &a.max_pages) ||
      get_u64(x, "category_inverted", PM_CATEGORIES, N(PM_CATEGORIES), 0, 0, &a.category_inverted) ||
      get_u64(x, "category_mask", PM_CATEGORIES, N(PM_CATEGORIES), 0, 0, &a.category_mask) ||
      get_u64(x, "category_anyof_mask", PM_CATEGORIES, N(PM_CATEGORIES), 0, 0, &a.category_anyof_mask) ||
      get_u64(x, "return_mask", PM_CATEGORIES, N(PM_CATEGORIES), 0, 0, &a.return_mask))
    return;
  if (a.vec_len > PM_SCAN_VEC_MAX) {
    bad(x, "\"vec_len\" over %d regions", PM_SCAN_VEC_MAX);
    return;
  }
  /* The kernel writes the regions into the scratch buffer (any alignment will do for copy_to_user). */
  unsigned char *buf = scratch(x);
  a.vec = (uint64_t)(uintptr_t)buf;
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  errno = 0;
  long r = ioctl(fd, PAGEMAP_SCAN_IOCTL, &a);
  int e = errno;
  close(fd);
  if (r < 0) {
    res_errno(x, e);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":{\"regions\":[");
  for (long i = 0; i < r && i < PM_SCAN_VEC_MAX; i++) {
    struct pm_region g;
    memcpy(&g, buf + (size_t)i * sizeof g, sizeof g);
    ob_s(x->o, i ? ",{\"start\":" : "{\"start\":");
    ob_addr(x->o, g.start);
    ob_s(x->o, ",\"end\":");
    ob_addr(x->o, g.end);
    ob_f(x->o, ",\"categories\":%" PRIu64 "}", g.categories);
  }
  ob_s(x->o, "],\"walk_end\":");
  ob_addr(x->o, a.walk_end);
  ob_s(x->o, "}");
}
/* A write of "value" (as signed decimal text) to /proc/self/clear_refs: 1-3 clear referenced bits, 4 soft-dirty
 * bits (a no-op without CONFIG_MEM_SOFT_DIRTY), 5 the peak RSS; 0 on success (the kernel's count is the text's
 * length), else the kernel's errno (EINVAL, ERANGE past an int). */
static void op_clear_refs(ctx_t *x) {
  uint64_t v;
  if (get_num(x, "value", 1, 0, &v)) return;
  char text[32];
  int n = snprintf(text, sizeof text, "%" PRId64, (int64_t)v);
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  errno = 0;
  ssize_t r = write(fd, text, (size_t)n);
  int e = errno;
  close(fd);
  if (r < 0) {
    res_errno(x, e);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":0");
}
/* ------------------------------------------------------------------------------------------------------------ */
/* Files.                                                                                                        */

static void op_memfd_create(ctx_t *x) {
  const char *name = get_str(x, "name", 1, NULL);
  uint64_t size, flags;
  if (!name || get_num(x, "size", 0, 0, &size) || get_num(x, "flags", 0, 0, &flags)) return;
  int fd = (int)syscall(SYS_memfd_create, name, (unsigned)flags);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  fdent_t *e = fd_add(x, name, fd);
  if (!e) {
    close(fd);
    return;
  }
  e->memfd_ordinal = ++g_memfd_count;
  struct stat st;
  if (fstat(fd, &st) == 0) e->ino = st.st_ino;
  if (size && ftruncate(fd, (off_t)size)) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_jss(x->o, name);
}
static void op_open(ctx_t *x) {
  const char *file = get_str(x, "file", 1, NULL), *as = get_str(x, "as", 1, NULL);
  uint64_t mode;
  if (!file || !as || get_u64(x, "mode", OPEN_MODES, N(OPEN_MODES), 1, 0, &mode)) return;
  fdent_t *src = fd_lookup(file);
  if (!src) {
    bad(x, "no fd named \"%s\"", file);
    return;
  }
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", src->fd);
  int fd = open(p, (int)mode | O_CLOEXEC);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  fdent_t *e = fd_add(x, as, fd);
  if (!e) {
    close(fd);
    return;
  }
  e->memfd_ordinal = src->memfd_ordinal;
  e->ino = src->ino;
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_jss(x->o, as);
}
static void op_close(ctx_t *x) {
  const char *name = get_str(x, "fd", 1, NULL);
  if (!name) return;
  fdent_t *e = fd_lookup(name);
  if (!e) {
    bad(x, "no fd named \"%s\"", name);
    return;
  }
  int r = close(e->fd);
  int err = errno;
  e->name = NULL; /* the name may be reused; the ordinal stays for maps normalization */
  if (r) res_errno(x, err);
  else ob_s(x->o, "\"ok\":true,\"value\":0");
}
static void op_ftruncate(ctx_t *x) {
  int fd;
  uint64_t size;
  if (get_fd(x, "fd", 1, -1, &fd) || get_num(x, "size", 1, 0, &size)) return;
  errno = 0;
  res_long(x, syscall(SYS_ftruncate, fd, size));
}
static void op_pwrite(ctx_t *x) {
  int fd;
  uint64_t off;
  size_t len;
  unsigned char *buf = scratch(x);
  if (get_fd(x, "fd", 1, -1, &fd) || get_num(x, "offset", 0, 0, &off) || get_data(x, buf, scratch_cap(x), &len))
    return;
  errno = 0;
  res_long(x, syscall(SYS_pwrite64, fd, buf, len, off));
}
static void op_pread(ctx_t *x) {
  int fd;
  uint64_t off, len;
  unsigned char *buf = scratch(x);
  if (get_fd(x, "fd", 1, -1, &fd) || get_num(x, "offset", 0, 0, &off) || get_num(x, "length", 1, 0, &len)) return;
  if (len > scratch_cap(x)) {
    bad(x, "\"length\" over %zu bytes", scratch_cap(x));
    return;
  }
  errno = 0;
  long r = syscall(SYS_pread64, fd, buf, len, off);
  if (r < 0) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_hex(x->o, buf, (size_t)r);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* userfaultfd.                                                                                                  */

static int g_fork_uffd_count;

static void op_uffd_create(ctx_t *x) {
  const char *name = get_str(x, "name", 0, "uffd");
  uint64_t flags;
  if (!name || get_u64(x, "flags", UFFD_FLAGS, N(UFFD_FLAGS), 0, O_CLOEXEC, &flags)) return;
  int fd = (int)syscall(SYS_userfaultfd, (int)flags);
  if (fd < 0) {
    res_errno(x, errno);
    return;
  }
  if (!fd_add(x, name, fd)) {
    close(fd);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_jss(x->o, name);
}
static void op_uffd_api(ctx_t *x) {
  int fd;
  uint64_t features, api;
  if (get_fd(x, "uffd", 0, -1, &fd) || get_u64(x, "features", UFFD_FEATURES, N(UFFD_FEATURES), 0, 0, &features) ||
      get_num(x, "api", 0, UFFD_API, &api))
    return;
  if (!field(x->op, "uffd")) {
    fdent_t *e = fd_lookup("uffd");
    if (!e) {
      bad(x, "missing \"uffd\"");
      return;
    }
    fd = e->fd;
  }
  struct uffdio_api a = {.api = api, .features = features};
  if (ioctl(fd, UFFDIO_API, &a)) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":{\"features\":");
  ob_names(x->o, UFFD_FEATURES, N(UFFD_FEATURES), a.features);
  ob_s(x->o, ",\"ioctls\":");
  ob_names(x->o, UFFD_IOCTLS, N(UFFD_IOCTLS), a.ioctls);
  ob_s(x->o, "}");
}
static int uffd_arg(ctx_t *x, int *fd) {
  if (!field(x->op, "uffd")) {
    fdent_t *e = fd_lookup("uffd");
    if (!e) return bad(x, "missing \"uffd\"");
    *fd = e->fd;
    return 0;
  }
  return get_fd(x, "uffd", 1, -1, fd);
}
static void op_uffd_register(ctx_t *x, int unregister) {
  int fd;
  uint64_t addr, len, mode = 0;
  if (uffd_arg(x, &fd) || get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  if (!unregister && get_u64(x, "mode", UFFD_MODES, N(UFFD_MODES), 1, 0, &mode)) return;
  if (unregister) {
    struct uffdio_range r = {addr, len};
    if (ioctl(fd, UFFDIO_UNREGISTER, &r)) res_errno(x, errno);
    else ob_s(x->o, "\"ok\":true,\"value\":0");
    return;
  }
  struct uffdio_register r = {.range = {addr, len}, .mode = mode};
  if (ioctl(fd, UFFDIO_REGISTER, &r)) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":{\"ioctls\":");
  ob_names(x->o, UFFD_IOCTLS, N(UFFD_IOCTLS), r.ioctls);
  ob_s(x->o, "}");
}
static unsigned char g_copy_src[DATA_MAX] __attribute__((aligned(4096)));
static void op_uffd_fill(ctx_t *x, int zeropage) {
  int fd;
  uint64_t dst, mode, len;
  if (uffd_arg(x, &fd) || get_addr(x, "addr", 1, &dst)) return;
  if (zeropage) {
    if (get_num(x, "length", 1, 0, &len) ||
        get_u64(x, "mode", UFFD_COPY_MODES, 1 /* DONTWAKE only */, 0, 0, &mode))
      return;
    struct uffdio_zeropage z = {.range = {dst, len}, .mode = mode};
    int r = ioctl(fd, UFFDIO_ZEROPAGE, &z);
    int e = errno;
    if (r) res_errno(x, e);
    else ob_f(x->o, "\"ok\":true,\"value\":%lld", (long long)z.zeropage);
    if (r) ob_f(x->o, ",\"done\":%lld", (long long)z.zeropage);
    return;
  }
  /* The source bytes: "data"/"fill" give the page contents; any length (multiple of the page) is allowed. */
  unsigned char *src = g_copy_src;
  size_t dlen;
  uint64_t srcabs = 0;
  if (get_u64(x, "mode", UFFD_COPY_MODES, N(UFFD_COPY_MODES), 0, 0, &mode)) return;
  const jval_t *sv = field(x->op, "src");
  if (sv) {
    /* A source address in the scenario (e.g. window memory, or an unmapped one to see EFAULT). */
    if (get_addr(x, "src", 1, &srcabs) || get_num(x, "length", 1, 0, &len)) return;
  } else {
    if (x->op->thread >= 0) src = scratch(x); /* g_copy_src belongs to the main flow */
    if (get_data(x, src, x->op->thread >= 0 ? scratch_cap(x) : DATA_MAX, &dlen)) return;
    len = dlen;
    srcabs = (uint64_t)(uintptr_t)src;
  }
  struct uffdio_copy c = {.dst = dst, .src = srcabs, .len = len, .mode = mode};
  int r = ioctl(fd, UFFDIO_COPY, &c);
  int e = errno;
  if (r) {
    res_errno(x, e);
    ob_f(x->o, ",\"done\":%lld", (long long)c.copy);
  } else {
    ob_f(x->o, "\"ok\":true,\"value\":%lld", (long long)c.copy);
  }
}
/* UFFDIO_MOVE (Linux 6.8), spelled out here: the C library's uapi headers may predate it. */
struct probe_uffdio_move {
  uint64_t dst, src, len, mode;
  int64_t move;
};
#define PROBE_UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct probe_uffdio_move)
/* The bytes moved, or the errno with the ioctl's "move" field as "done" (bytes moved before a partial failure, the
 * negated errno, or 0 where the kernel fails before writing the field). */
static void op_uffd_move(ctx_t *x) {
  int fd;
  uint64_t dst, src, len, mode;
  if (uffd_arg(x, &fd) || get_addr(x, "addr", 1, &dst) || get_addr(x, "src", 1, &src) ||
      get_num(x, "length", 1, 0, &len) || get_u64(x, "mode", UFFD_MOVE_MODES, N(UFFD_MOVE_MODES), 0, 0, &mode))
    return;
  struct probe_uffdio_move m = {.dst = dst, .src = src, .len = len, .mode = mode, .move = 0};
  int r = ioctl(fd, PROBE_UFFDIO_MOVE, &m);
  int e = errno;
  if (r) {
    res_errno(x, e);
    ob_f(x->o, ",\"done\":%lld", (long long)m.move);
  } else {
    ob_f(x->o, "\"ok\":true,\"value\":%lld", (long long)m.move);
  }
}
static void op_uffd_wake(ctx_t *x) {
  int fd;
  uint64_t addr, len;
  if (uffd_arg(x, &fd) || get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len)) return;
  struct uffdio_range r = {addr, len};
  if (ioctl(fd, UFFDIO_WAKE, &r)) res_errno(x, errno);
  else ob_s(x->o, "\"ok\":true,\"value\":0");
}
static void op_uffd_wp(ctx_t *x) {
  int fd;
  uint64_t addr, len, mode;
  if (uffd_arg(x, &fd) || get_addr(x, "addr", 1, &addr) || get_num(x, "length", 1, 0, &len) ||
      get_u64(x, "mode", UFFD_WP_MODES, N(UFFD_WP_MODES), 0, 0, &mode))
    return;
  struct uffdio_writeprotect w = {.range = {addr, len}, .mode = mode};
  if (ioctl(fd, UFFDIO_WRITEPROTECT, &w)) res_errno(x, errno);
  else ob_s(x->o, "\"ok\":true,\"value\":0");
}
static void op_poll(ctx_t *x) {
  int fd;
  uint64_t timeout;
  if (uffd_arg(x, &fd) || get_num(x, "timeout_ms", 0, 0, &timeout)) return;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, (int)timeout);
  if (r < 0) {
    res_errno(x, errno);
    return;
  }
  ob_s(x->o, "\"ok\":true,\"value\":");
  ob_names(x->o, POLLBITS, N(POLLBITS), r ? (uint64_t)p.revents : 0);
}
/* Reads events: waits up to timeout_ms for each, stops after "count" events or when none arrives in time. */
static void op_uffd_read(ctx_t *x) {
  int fd;
  uint64_t count, timeout;
  if (uffd_arg(x, &fd) || get_num(x, "count", 0, 64, &count)) return;
  const jval_t *c = field(x->op, "count");
  if (get_num(x, "timeout_ms", 0, c ? 2000 : 0, &timeout)) return;
  ob_s(x->o, "\"ok\":true,\"value\":[");
  int err = 0;
  /* poll() on a blocking userfaultfd reports only POLLERR, so the fd is made non-blocking while this op waits
   * with its timeout, then restored. */
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  for (uint64_t k = 0; k < count; k++) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int pr = poll(&p, 1, (int)timeout);
    if (pr < 0) {
      err = errno;
      break;
    }
    if (pr == 0 || !(p.revents & POLLIN)) break;
    struct uffd_msg m;
    ssize_t r = read(fd, &m, sizeof m);
    if (r < 0) {
      if (errno == EAGAIN) break;
      err = errno;
      break;
    }
    if (r != sizeof m) {
      err = EIO;
      break;
    }
    if (k) ob_s(x->o, ",");
    switch (m.event) {
      case UFFD_EVENT_PAGEFAULT: {
        static const named_t PF[] = {{"WRITE", 1}, {"WP", 2}, {"MINOR", 4}};
        ob_s(x->o, "{\"event\":\"PAGEFAULT\",\"flags\":");
        ob_names(x->o, PF, N(PF), m.arg.pagefault.flags);
        ob_s(x->o, ",\"address\":");
        ob_addr(x->o, m.arg.pagefault.address);
        /* The faulting thread's id, as the name of the scenario thread (0 without THREAD_ID). */
        int tid = (int)m.arg.pagefault.feat.ptid;
        char tnb[160];
        const char *tn = tid_name(tid, tnb, sizeof tnb);
        ob_s(x->o, ",\"ptid\":");
        if (tn) ob_jss(x->o, tn);
        else ob_f(x->o, "%d", tid);
        ob_s(x->o, "}");
        break;
      }
      case UFFD_EVENT_FORK: {
        char *nm = g_pool + g_pool_len; /* the pool has room: it is sized for whole scenarios */
        const char *base = "uffd";
        for (int f = 0; f < g_nfds; f++)
          if (g_fds[f].name && g_fds[f].fd == fd) base = g_fds[f].name;
        int n = snprintf(nm, 160, "%.140s.fork%d", base, ++g_fork_uffd_count);
        g_pool_len += (size_t)n + 1;
        if (!fd_add(x, nm, (int)m.arg.fork.ufd)) x->err[0] = 0;
        ob_s(x->o, "{\"event\":\"FORK\",\"ufd\":");
        ob_jss(x->o, nm);
        ob_s(x->o, "}");
        break;
      }
      case UFFD_EVENT_REMAP:
        ob_s(x->o, "{\"event\":\"REMAP\",\"from\":");
        ob_addr(x->o, m.arg.remap.from);
        ob_s(x->o, ",\"to\":");
        ob_addr(x->o, m.arg.remap.to);
        ob_f(x->o, ",\"len\":%llu}", (unsigned long long)m.arg.remap.len);
        break;
      case UFFD_EVENT_REMOVE:
      case UFFD_EVENT_UNMAP:
        ob_s(x->o, m.event == UFFD_EVENT_REMOVE ? "{\"event\":\"REMOVE\",\"start\":" : "{\"event\":\"UNMAP\",\"start\":");
        ob_addr(x->o, m.arg.remove.start);
        ob_s(x->o, ",\"end\":");
        ob_addr(x->o, m.arg.remove.end);
        ob_s(x->o, "}");
        break;
      default: ob_f(x->o, "{\"event\":\"UNKNOWN\",\"code\":%u}", m.event);
    }
  }
  ob_s(x->o, "]");
  if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl);
  if (err) {
    char tmp[32];
    ob_s(x->o, ",\"read_errno\":");
    ob_jss(x->o, errno_name(err, tmp));
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Benchmarks (native timings, for side-by-side ratios).                                                        */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
#define BENCH_AREA ((uint64_t)0x200000000000ULL) /* benchmarks use their own area, above the window */

/* Builds n VMAs at BENCH_AREA by alternating protections page by page (neighbours with different protections
 * never merge). Returns 0 or an errno. */
static int build_vmas(uint64_t n) {
  if (!n) return 0;
  void *p = (void *)syscall(SYS_mmap, BENCH_AREA, n * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1L, 0L);
  if (p == MAP_FAILED) return errno;
  for (uint64_t i = 1; i < n; i += 2)
    if (syscall(SYS_mprotect, BENCH_AREA + i * PAGE, PAGE, PROT_NONE)) return errno;
  return 0;
}
typedef struct {
  int fd;
  uint64_t base, pages;
  _Atomic int stop;
  char *page;
} uffd_bench_t;
static void *uffd_bench_handler(void *arg) {
  uffd_bench_t *b = arg;
  while (!atomic_load(&b->stop)) {
    struct pollfd p = {.fd = b->fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    struct uffd_msg m;
    if (read(b->fd, &m, sizeof m) != sizeof m) continue;
    if (m.event != UFFD_EVENT_PAGEFAULT) continue;
    struct uffdio_copy c = {.dst = m.arg.pagefault.address & ~(PAGE - 1), .src = (uint64_t)(uintptr_t)b->page,
                            .len = PAGE, .mode = 0};
    ioctl(b->fd, UFFDIO_COPY, &c);
  }
  return NULL;
}
static unsigned char *g_memcpy_a, *g_memcpy_b;

/* One sample: runs `iters` operations and returns the elapsed ns, or sets *err. */
static uint64_t bench_sample(ctx_t *x, const char *name, uint64_t iters, uint64_t n, uint64_t pages, uint64_t mib,
                             uint64_t *units, int *err) {
  uint64_t t0, t1;
  *units = iters;
  volatile unsigned char sink = 0;
  if (!strcmp(name, "mmap_munmap_1page")) {
    t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) {
      long p = syscall(SYS_mmap, 0L, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
      if (p == -1) return *err = errno, 0;
      syscall(SYS_munmap, p, PAGE);
    }
    return now_ns() - t0;
  }
  if (!strcmp(name, "map_fixed") || !strcmp(name, "mprotect_whole_vma") || !strcmp(name, "mprotect_split_merge") ||
      !strcmp(name, "mremap_grow_shrink")) {
    uint64_t target = BENCH_AREA + (n ? n : 2) * PAGE + 16 * PAGE; /* a private area after the VMA field */
    if (!strcmp(name, "map_fixed")) {
      /* Replaces one read-only page of the field (even index) in place: the VMA count stays n. */
      uint64_t k = n >= 2 ? (n / 2) & ~1ULL : 0;
      if (!n) target = BENCH_AREA;
      else target = BENCH_AREA + k * PAGE;
      if (!n && syscall(SYS_mmap, target, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0L) == -1)
        return *err = errno, 0;
      t0 = now_ns();
      for (uint64_t i = 0; i < iters; i++)
        if (syscall(SYS_mmap, target, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0L) == -1)
          return *err = errno, 0;
      return now_ns() - t0;
    }
    if (syscall(SYS_mmap, target, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0L) ==
        -1)
      return *err = errno, 0;
    if (!strcmp(name, "mprotect_whole_vma")) {
      t0 = now_ns();
      for (uint64_t i = 0; i < iters; i++)
        syscall(SYS_mprotect, target, 3 * PAGE, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
      t1 = now_ns();
    } else if (!strcmp(name, "mprotect_split_merge")) {
      t0 = now_ns();
      for (uint64_t i = 0; i < iters; i++) {
        syscall(SYS_mprotect, target + PAGE, PAGE, PROT_READ);
        syscall(SYS_mprotect, target + PAGE, PAGE, PROT_READ | PROT_WRITE);
      }
      t1 = now_ns();
    } else {
      syscall(SYS_munmap, target + PAGE, 2 * PAGE); /* one page with room to grow in place */
      t0 = now_ns();
      for (uint64_t i = 0; i < iters; i++) {
        if (syscall(SYS_mremap, target, PAGE, 2 * PAGE, 0L, 0L) == -1) return *err = errno, 0;
        syscall(SYS_mremap, target, 2 * PAGE, PAGE, 0L, 0L);
      }
      t1 = now_ns();
    }
    syscall(SYS_munmap, target, 3 * PAGE);
    return t1 - t0;
  }
  if (!strcmp(name, "first_touch_fault") || !strcmp(name, "madvise_dontneed")) {
    uint64_t np = pages ? pages : 1024;
    long p = syscall(SYS_mmap, 0L, np * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (p == -1) return *err = errno, 0;
    uint64_t total = 0;
    for (uint64_t i = 0; i < iters; i++) {
      volatile unsigned char *q = (volatile unsigned char *)p;
      if (!strcmp(name, "first_touch_fault")) {
        t0 = now_ns();
        for (uint64_t k = 0; k < np; k++) q[k * PAGE] = 1;
        total += now_ns() - t0;
      } else {
        for (uint64_t k = 0; k < np; k++) q[k * PAGE] = 1;
        t0 = now_ns();
        syscall(SYS_madvise, p, np * PAGE, MADV_DONTNEED);
        total += now_ns() - t0;
      }
      syscall(SYS_madvise, p, np * PAGE, MADV_DONTNEED);
    }
    syscall(SYS_munmap, p, np * PAGE);
    *units = iters * np;
    return total;
  }
  if (!strcmp(name, "fork_touched")) {
    uint64_t bytes = (mib ? mib : 256) << 20;
    long p = syscall(SYS_mmap, 0L, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (p == -1) return *err = errno, 0;
    memset((void *)p, 1, bytes);
    t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) {
      pid_t c = fork();
      if (c == 0) _exit(0);
      if (c < 0) return *err = errno, 0;
      waitpid(c, NULL, 0);
    }
    t1 = now_ns();
    syscall(SYS_munmap, p, bytes);
    return t1 - t0;
  }
  if (!strcmp(name, "memcpy") || !strcmp(name, "pvm_read") || !strcmp(name, "pvm_write")) {
    uint64_t bytes = (mib ? mib : 64) << 20;
    if (bytes > (1ULL << 30)) return *err = EINVAL, 0;
    /* Mapped per sample (not kept), so mlockall scenarios do not pay for it. */
    long ma = syscall(SYS_mmap, 0L, 2 * bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (ma == -1) return *err = errno, 0;
    g_memcpy_a = (unsigned char *)ma;
    g_memcpy_b = g_memcpy_a + bytes;
    memset(g_memcpy_a, 2, bytes);
    memset(g_memcpy_b, 3, bytes);
    t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) {
      if (!strcmp(name, "memcpy")) {
        memcpy(g_memcpy_b, g_memcpy_a, bytes);
      } else {
        struct iovec l = {g_memcpy_b, bytes}, r = {g_memcpy_a, bytes};
        long k = syscall(!strcmp(name, "pvm_read") ? SYS_process_vm_readv : SYS_process_vm_writev, (long)getpid(),
                         &l, 1L, &r, 1L, 0L);
        if (k < 0) return *err = errno, 0;
      }
      sink ^= g_memcpy_b[i % bytes];
    }
    t1 = now_ns();
    syscall(SYS_munmap, ma, 2 * bytes);
    return t1 - t0;
  }
  if (!strcmp(name, "uffd_roundtrip") || !strcmp(name, "uffd_copy")) {
    uint64_t np = pages ? pages : 256;
    uffd_bench_t b = {.pages = np};
    b.fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (b.fd < 0) return *err = errno, 0;
    struct uffdio_api a = {.api = UFFD_API};
    if (ioctl(b.fd, UFFDIO_API, &a)) return *err = errno, close(b.fd), 0;
    long p = syscall(SYS_mmap, 0L, np * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (p == -1) return *err = errno, close(b.fd), 0;
    b.base = (uint64_t)p;
    b.page = (char *)g_copy_src;
    memset(b.page, 7, PAGE);
    struct uffdio_register r = {.range = {b.base, np * PAGE}, .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (ioctl(b.fd, UFFDIO_REGISTER, &r)) return *err = errno, close(b.fd), 0;
    uint64_t total = 0;
    if (!strcmp(name, "uffd_copy")) {
      for (uint64_t i = 0; i < iters; i++) {
        t0 = now_ns();
        for (uint64_t k = 0; k < np; k++) {
          struct uffdio_copy c = {.dst = b.base + k * PAGE, .src = (uint64_t)(uintptr_t)b.page, .len = PAGE};
          ioctl(b.fd, UFFDIO_COPY, &c);
        }
        total += now_ns() - t0;
        syscall(SYS_madvise, p, np * PAGE, MADV_DONTNEED);
      }
    } else {
      pthread_t th;
      if (pthread_create(&th, NULL, uffd_bench_handler, &b)) return *err = EAGAIN, close(b.fd), 0;
      for (uint64_t i = 0; i < iters; i++) {
        volatile unsigned char *q = (volatile unsigned char *)p;
        t0 = now_ns();
        for (uint64_t k = 0; k < np; k++) sink ^= q[k * PAGE];
        total += now_ns() - t0;
        syscall(SYS_madvise, p, np * PAGE, MADV_DONTNEED);
      }
      atomic_store(&b.stop, 1);
      pthread_join(th, NULL);
    }
    close(b.fd);
    syscall(SYS_munmap, p, np * PAGE);
    *units = iters * np;
    return total;
  }
  (void)x;
  *err = -1;
  return 0;
}
static void op_bench(ctx_t *x) {
  const char *name = get_str(x, "name", 1, NULL);
  uint64_t iters, samples, n, pages, mib;
  if (!name || get_num(x, "iterations", 0, 1000, &iters) || get_num(x, "samples", 0, 5, &samples) ||
      get_num(x, "vmas", 0, 0, &n) || get_num(x, "pages", 0, 0, &pages) || get_num(x, "mib", 0, 0, &mib))
    return;
  if (!iters || !samples || samples > 100) {
    bad(x, "\"iterations\" must be positive and \"samples\" 1..100");
    return;
  }
  int err = build_vmas(n);
  if (err) {
    res_errno(x, err);
    ob_f(x->o, ",\"detail\":\"building %" PRIu64 " VMAs (vm.max_map_count limits the count)\"", n);
    return;
  }
  uint64_t per[101], units = 0;
  double nsop[101];
  for (uint64_t s = 0; s <= samples; s++) { /* sample 0 is the warm-up */
    uint64_t t = bench_sample(x, name, iters, n, pages, mib, &units, &err);
    if (err == -1) {
      bad(x, "unknown benchmark \"%s\"", name);
      return;
    }
    if (err) {
      res_errno(x, err);
      return;
    }
    per[s] = t;
    nsop[s] = (double)t / (double)units;
  }
  uint64_t sorted[101];
  memcpy(sorted, per + 1, samples * sizeof(uint64_t));
  qsort(sorted, samples, sizeof(uint64_t), cmp_u64);
  double med = (double)sorted[samples / 2];
  if (samples % 2 == 0) med = ((double)sorted[samples / 2 - 1] + (double)sorted[samples / 2]) / 2;
  ob_f(x->o, "\"ok\":true,\"value\":{\"name\":");
  ob_jss(x->o, name);
  ob_f(x->o, ",\"units_per_sample\":%" PRIu64 ",\"ns_per_op\":%.3f,\"min_ns_per_op\":%.3f,\"max_ns_per_op\":%.3f",
       units, med / (double)units, (double)sorted[0] / (double)units, (double)sorted[samples - 1] / (double)units);
  ob_s(x->o, ",\"samples_ns_per_op\":[");
  for (uint64_t s = 1; s <= samples; s++) ob_f(x->o, s > 1 ? ",%.3f" : "%.3f", nsop[s]);
  ob_s(x->o, "]}");
  if (n) syscall(SYS_munmap, BENCH_AREA, n * PAGE);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Dispatch.                                                                                                     */

static void exec_op(ctx_t *x) {
  const char *nm = x->op->name;
  if (!strcmp(nm, "mmap")) op_mmap(x);
  else if (!strcmp(nm, "munmap")) op_addr_len(x, SYS_munmap, NULL, 0, NULL, 0);
  else if (!strcmp(nm, "mprotect")) op_addr_len(x, SYS_mprotect, PROTS, N(PROTS), "prot", 0);
  else if (!strcmp(nm, "madvise")) op_addr_len(x, SYS_madvise, ADVICE, N(ADVICE), "advice", 0);
  else if (!strcmp(nm, "mlock")) op_addr_len(x, SYS_mlock, NULL, 0, NULL, 0);
  else if (!strcmp(nm, "mlock2")) op_addr_len(x, SYS_mlock2, MLOCK2FLAGS, N(MLOCK2FLAGS), "flags", 0);
  else if (!strcmp(nm, "mseal")) op_addr_len(x, 462 /* __NR_mseal on x86-64 (Linux 6.10) */, NULL, 0, "flags", 0);
  else if (!strcmp(nm, "munlock")) op_addr_len(x, SYS_munlock, NULL, 0, NULL, 0);
  else if (!strcmp(nm, "msync")) op_addr_len(x, SYS_msync, MSYNCFLAGS, N(MSYNCFLAGS), "flags", 0);
  else if (!strcmp(nm, "mremap")) op_mremap(x);
  else if (!strcmp(nm, "mincore")) op_mincore(x);
  else if (!strcmp(nm, "pagemap")) op_pagemap(x);
  else if (!strcmp(nm, "pagemap_scan")) op_pagemap_scan(x);
  else if (!strcmp(nm, "clear_refs")) op_clear_refs(x);
  else if (!strcmp(nm, "mlockall")) {
    uint64_t f;
    if (get_u64(x, "flags", MCLFLAGS, N(MCLFLAGS), 1, 0, &f)) return;
    errno = 0;
    res_long(x, syscall(SYS_mlockall, f));
  } else if (!strcmp(nm, "munlockall")) {
    errno = 0;
    res_long(x, syscall(SYS_munlockall));
  } else if (!strcmp(nm, "brk")) op_brk(x);
  else if (!strcmp(nm, "prctl_set_vma_anon_name")) op_anon_name(x);
  else if (!strcmp(nm, "setrlimit")) op_setrlimit(x);
  else if (!strcmp(nm, "getrlimit")) op_getrlimit(x);
  else if (!strcmp(nm, "drop_caps")) op_drop_caps(x);
  else if (!strcmp(nm, "read")) op_read(x);
  else if (!strcmp(nm, "write")) op_write(x);
  else if (!strcmp(nm, "exec")) op_exec(x);
  else if (!strcmp(nm, "hash")) op_hash(x);
  else if (!strcmp(nm, "process_vm_readv")) op_pvm(x, 0);
  else if (!strcmp(nm, "process_vm_writev")) op_pvm(x, 1);
  else if (!strcmp(nm, "kernel_read")) op_kaccess(x, 0);
  else if (!strcmp(nm, "kernel_write")) op_kaccess(x, 1);
  else if (!strcmp(nm, "proc_mem_read")) op_proc_mem(x, 0);
  else if (!strcmp(nm, "proc_mem_write")) op_proc_mem(x, 1);
  else if (!strcmp(nm, "maps")) op_maps(x);
  else if (!strcmp(nm, "map_count")) op_map_count(x);
  else if (!strcmp(nm, "map_count_fill")) op_map_count_fill(x);
  else if (!strcmp(nm, "smaps")) op_smaps(x);
  else if (!strcmp(nm, "heap_maps")) op_heap_maps(x);
  else if (!strcmp(nm, "memfd_create")) op_memfd_create(x);
  else if (!strcmp(nm, "open")) op_open(x);
  else if (!strcmp(nm, "close")) op_close(x);
  else if (!strcmp(nm, "ftruncate")) op_ftruncate(x);
  else if (!strcmp(nm, "pwrite")) op_pwrite(x);
  else if (!strcmp(nm, "pread")) op_pread(x);
  else if (!strcmp(nm, "uffd_create")) op_uffd_create(x);
  else if (!strcmp(nm, "uffd_api")) op_uffd_api(x);
  else if (!strcmp(nm, "uffd_register")) op_uffd_register(x, 0);
  else if (!strcmp(nm, "uffd_unregister")) op_uffd_register(x, 1);
  else if (!strcmp(nm, "uffd_copy")) op_uffd_fill(x, 0);
  else if (!strcmp(nm, "uffd_zeropage")) op_uffd_fill(x, 1);
  else if (!strcmp(nm, "uffd_move")) op_uffd_move(x);
  else if (!strcmp(nm, "uffd_wake")) op_uffd_wake(x);
  else if (!strcmp(nm, "uffd_writeprotect")) op_uffd_wp(x);
  else if (!strcmp(nm, "uffd_read")) op_uffd_read(x);
  else if (!strcmp(nm, "poll")) op_poll(x);
  else if (!strcmp(nm, "sleep")) {
    uint64_t ms;
    if (get_num(x, "ms", 1, 0, &ms)) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    ob_s(x->o, "\"ok\":true,\"value\":0");
  } else if (!strcmp(nm, "bench")) op_bench(x);
  else bad(x, "unknown op \"%s\"", nm);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Running a scenario: each op in turn, in its process, on its thread.                                          */

static char g_out_main[OUT_SIZE];

static void begin_line(ob_t *o, int idx, const op_t *op) {
  o->len = 0;
  o->overflow = 0;
  ob_f(o, "{\"i\":%d,\"op\":", idx);
  ob_jss(o, op->name);
  if (op->proc) {
    ob_s(o, ",\"in\":");
    ob_jss(o, g_proc_names[op->proc]);
  }
  if (op->thread >= 0) {
    ob_s(o, ",\"thread\":");
    ob_jss(o, g_thread_names[op->thread]);
  }
  ob_s(o, ",");
}
/* Runs the op, leaving its result fields (after the prefix) in o. */
static void run_into(ob_t *o, const op_t *op, int idx) {
  ctx_t x = {.op = op, .idx = idx, .o = o};
  x.err[0] = 0;
  size_t mark = o->len;
  errno = 0;
  exec_op(&x);
  if (x.err[0]) {
    o->len = mark;
    ob_s(o, "\"ok\":false,\"probe_error\":");
    ob_jss(o, x.err);
  }
  if (o->overflow) {
    o->len = mark;
    o->overflow = 0;
    ob_s(o, "\"ok\":false,\"probe_error\":\"result too large for the output buffer\"");
  }
}
/* fork: the child continues with the ops after this one (it runs those tagged with its name); the parent
 * reports the child's name. With EVENT_FORK the kernel holds the parent until the manager reads the event, so a
 * fork may run on a thread. */
static void run_ops(int from);
static void do_fork(const op_t *op, int i, ob_t *o) {
  int child = -1;
  const jval_t *c = field(op, "child");
  const char *cn = c && c->t == V_STR ? c->s : "child";
  for (int k = 0; k < g_nprocs; k++)
    if (!strcmp(g_proc_names[k], cn)) child = k;
  pid_t pid = fork();
  if (pid == 0) {
    g_me = child;
    atomic_store(&g_sh->pids[child], (int)getpid());
    atomic_store(&g_sh->main_tids[child], (int)syscall(SYS_gettid));
    for (int k = 0; k < MAX_THREADS; k++) atomic_store(&g_threads[k].state, 0); /* threads do not fork */
    run_ops(i + 1);
    _exit(0);
  }
  if (pid < 0) {
    char tmp[32];
    ob_s(o, "\"ok\":false,\"errno\":");
    ob_jss(o, errno_name(errno, tmp));
  } else {
    atomic_store(&g_sh->pids[child], (int)pid);
    ob_s(o, "\"ok\":true,\"value\":");
    ob_jss(o, cn);
  }
}

static void *thread_main(void *arg) {
  thread_slot_t *t = arg;
  int tid = (int)syscall(SYS_gettid);
  atomic_store(&g_sh->tids[g_me][t - g_threads], tid);
  atomic_store(&t->tid, tid);
  atomic_store(&t->state, 2);
  const op_t *op = &g_ops[t->op_index];
  t->out.len = 0;
  t->out.overflow = 0;
  if (!strcmp(op->name, "fork")) do_fork(op, t->op_index, &t->out);
  else run_into(&t->out, op, t->op_index);
  atomic_store(&t->state, 3);
  return NULL;
}
/* Synchronisation, not comparison: waits until a named thread sleeps in the kernel (state S or D) and reports
 * where (its wchan, e.g. "handle_userfault" or "userfaultfd_event_wait_completion"), or "done" if its op has
 * finished. Lets a scenario be sure a fault or a blocking call has happened before it goes on. */
static void wait_blocked(const op_t *op, ob_t *o) {
  const jval_t *tv = field(op, "thread"), *tm = field(op, "timeout_ms");
  uint64_t timeout = tm && tm->t == V_NUM ? tm->u : 2000;
  int k = -1;
  for (int j = 0; j < g_nthreads; j++)
    if (tv && tv->t == V_STR && !strcmp(g_thread_names[j], tv->s)) k = j;
  thread_slot_t *t = k >= 0 ? &g_threads[k] : NULL;
  if (!t || atomic_load(&t->state) == 0) {
    ob_s(o, "\"ok\":false,\"probe_error\":\"wait_blocked: no started thread by that name\"");
    return;
  }
  uint64_t deadline = now_ns() + timeout * 1000000ULL;
  char path[96], buf[512];
  for (;;) {
    if (atomic_load(&t->state) == 3) {
      ob_s(o, "\"ok\":true,\"value\":\"done\"");
      return;
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", atomic_load(&t->tid));
    ssize_t n = read_file(path, buf, sizeof buf);
    const char *rp = n > 0 ? strrchr(buf, ')') : NULL;
    if (rp && (rp[2] == 'S' || rp[2] == 'D')) {
      snprintf(path, sizeof path, "/proc/self/task/%d/wchan", atomic_load(&t->tid));
      n = read_file(path, buf, sizeof buf);
      if (n > 0 && strcmp(buf, "0")) {
        ob_s(o, "\"ok\":true,\"value\":");
        ob_jss(o, buf);
        return;
      }
    }
    if (now_ns() > deadline) {
      ob_s(o, "\"ok\":false,\"errno\":\"ETIMEDOUT\"");
      return;
    }
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
}
static void futex_wait(_Atomic int *p, int val) {
  struct timespec ts = {0, 20 * 1000000L};
  syscall(SYS_futex, p, FUTEX_WAIT, val, &ts, NULL, 0);
}
static void futex_wake_all(_Atomic int *p) { syscall(SYS_futex, p, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0); }

static void run_ops(int from) {
  ob_t o = {g_out_main, 0, OUT_SIZE, 0};
  for (int i = from; i < g_nops; i++) {
    const op_t *op = &g_ops[i];
    if (op->proc != g_me) continue;
    int cur;
    while ((cur = atomic_load(&g_sh->turn)) != i) futex_wait(&g_sh->turn, cur);
    begin_line(&o, i, op);
    if (!strcmp(op->name, "fork") && op->thread < 0) {
      do_fork(op, i, &o);
    } else if (!strcmp(op->name, "join")) {
      const jval_t *tv = field(op, "thread");
      uint64_t timeout = 2000;
      const jval_t *tm = field(op, "timeout_ms");
      if (tm && tm->t == V_NUM) timeout = tm->u;
      int k = -1;
      for (int j = 0; j < g_nthreads; j++)
        if (tv && tv->t == V_STR && !strcmp(g_thread_names[j], tv->s)) k = j;
      thread_slot_t *t = k >= 0 ? &g_threads[k] : NULL;
      if (!t || atomic_load(&t->state) == 0) {
        ob_s(&o, "\"ok\":false,\"probe_error\":\"join: no started thread by that name\"");
      } else {
        uint64_t deadline = now_ns() + timeout * 1000000ULL;
        while (atomic_load(&t->state) != 3 && now_ns() < deadline) {
          struct timespec ts = {0, 200000};
          nanosleep(&ts, NULL);
        }
        if (atomic_load(&t->state) != 3) {
          ob_s(&o, "\"ok\":true,\"value\":{\"done\":false}");
        } else {
          pthread_join(t->th, NULL);
          ob_s(&o, "\"ok\":true,\"value\":{\"done\":true,\"result\":{");
          ob_raw(&o, t->out.buf, t->out.len);
          ob_s(&o, "}}");
          atomic_store(&t->state, 0);
        }
      }
    } else if (!strcmp(op->name, "wait_blocked")) {
      wait_blocked(op, &o);
    } else if (op->thread >= 0) {
      thread_slot_t *t = &g_threads[op->thread];
      if (atomic_load(&t->state) != 0) {
        ob_s(&o, "\"ok\":false,\"probe_error\":\"thread is still busy with an earlier op (join it first)\"");
      } else {
        t->op_index = i;
        t->buf = g_thread_bufs[op->thread];
        t->out = (ob_t){t->buf, 0, THREAD_OUT_SIZE / 2, 0};
        atomic_store(&t->tid, 0);
        atomic_store(&t->state, 1);
        int pe = pthread_create(&t->th, NULL, thread_main, t);
        if (pe) {
          /* A kernel refusal (e.g. EAGAIN or ENOMEM under a small RLIMIT_AS), reported as such. */
          char tmp[32];
          atomic_store(&t->state, 0);
          ob_s(&o, "\"ok\":false,\"errno\":");
          ob_jss(&o, errno_name(pe, tmp));
          ob_s(&o, ",\"detail\":\"pthread_create\"");
        } else {
          while (atomic_load(&t->tid) == 0) sched_yield(); /* so PAGEFAULT ptids can be named */
          ob_s(&o, "\"ok\":true,\"value\":\"started\"");
        }
      }
    } else {
      run_into(&o, op, i);
    }
    ob_s(&o, "}\n");
    write_all(1, o.buf, o.len);
    atomic_store(&g_sh->turn, i + 1);
    futex_wake_all(&g_sh->turn);
  }
}

/* The fields each op accepts (besides "op", "in" and "thread"), so a misspelt field is an error rather than a
 * silently defaulted argument. */
static const struct {
  const char *op;
  const char *fields; /* space-separated */
} OP_FIELDS[] = {
    {"mmap", "addr length prot flags fd offset"},
    {"munmap", "addr length"},
    {"mlock", "addr length"},
    {"munlock", "addr length"},
    {"mincore", "addr length"},
    {"pagemap", "addr length"},
    {"pagemap_scan",
     "start end flags vec_len max_pages category_inverted category_mask category_anyof_mask return_mask"},
    {"clear_refs", "value"},
    {"read", "addr length"},
    {"hash", "addr length"},
    {"process_vm_readv", "addr length"},
    {"kernel_read", "addr length"},
    {"proc_mem_read", "addr length"},
    {"mprotect", "addr length prot"},
    {"madvise", "addr length advice"},
    {"mlock2", "addr length flags"},
    {"mseal", "addr length flags"},
    {"msync", "addr length flags"},
    {"mremap", "old_address old_size new_size flags new_address"},
    {"mlockall", "flags"},
    {"munlockall", ""},
    {"brk", "addr"},
    {"prctl_set_vma_anon_name", "addr length name"},
    {"setrlimit", "resource cur max"},
    {"getrlimit", "resource"},
    {"drop_caps", "caps"},
    {"write", "addr data fill length"},
    {"process_vm_writev", "addr data fill length"},
    {"kernel_write", "addr data fill length"},
    {"proc_mem_write", "addr data fill length"},
    {"exec", "addr"},
    {"maps", ""},
    {"map_count", ""},
    {"map_count_fill", "below"},
    {"smaps", ""},
    {"heap_maps", ""},
    {"memfd_create", "name size flags"},
    {"open", "file as mode"},
    {"close", "fd"},
    {"ftruncate", "fd size"},
    {"pwrite", "fd offset data fill length"},
    {"pread", "fd offset length"},
    {"fork", "child"},
    {"join", "timeout_ms"},
    {"wait_blocked", "timeout_ms"},
    {"sleep", "ms"},
    {"uffd_create", "name flags"},
    {"uffd_api", "uffd features api"},
    {"uffd_register", "uffd addr length mode"},
    {"uffd_unregister", "uffd addr length"},
    {"uffd_wake", "uffd addr length"},
    {"uffd_copy", "uffd addr data fill length src mode"},
    {"uffd_zeropage", "uffd addr length mode"},
    {"uffd_move", "uffd addr src length mode"},
    {"uffd_writeprotect", "uffd addr length mode"},
    {"uffd_read", "uffd count timeout_ms"},
    {"poll", "uffd timeout_ms"},
    {"bench", "name iterations samples vmas pages mib"},
};
static int has_word(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ' ');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k == n && !strncmp(p, w, n)) return 1;
    p += k;
    while (*p == ' ') p++;
  }
  return 0;
}
static int check_fields(const op_t *op, int i, char *err, size_t errlen) {
  const char *allowed = NULL;
  for (size_t k = 0; k < N(OP_FIELDS); k++)
    if (!strcmp(OP_FIELDS[k].op, op->name)) allowed = OP_FIELDS[k].fields;
  if (!allowed) return snprintf(err, errlen, "line %d (op %d): unknown op \"%s\"", op->line, i, op->name), -1;
  for (int f = 0; f < op->count; f++) {
    const char *key = g_fields[op->first + f].key;
    if (!strcmp(key, "op") || !strcmp(key, "in") || !strcmp(key, "thread")) continue;
    if (!has_word(allowed, key))
      return snprintf(err, errlen, "line %d (op %d): %s has no field \"%s\" (fields: %s)", op->line, i, op->name,
                      key, *allowed ? allowed : "none"),
             -1;
  }
  return 0;
}

/* Checks names and assigns process and thread indices before anything runs. */
static int prepare_scenario(char *err, size_t errlen) {
  g_nprocs = 1;
  g_proc_names[0] = "parent";
  g_nthreads = 0;
  for (int i = 0; i < g_nops; i++) {
    op_t *op = &g_ops[i];
    if (check_fields(op, i, err, errlen)) return -1;
    const jval_t *in = field(op, "in"), *th = field(op, "thread");
    op->proc = 0;
    op->thread = -1;
    if (in) {
      int found = -1;
      if (in->t != V_STR) return snprintf(err, errlen, "line %d (op %d): \"in\" must be a process name", op->line, i), -1;
      for (int k = 0; k < g_nprocs; k++)
        if (!strcmp(g_proc_names[k], in->s)) found = k;
      if (found < 0)
        return snprintf(err, errlen, "line %d (op %d): no process \"%s\" (forked processes are named by fork's \"child\")",
                        op->line, i, in->s),
               -1;
      op->proc = found;
    }
    if (th && strcmp(op->name, "join") && strcmp(op->name, "wait_blocked")) {
      if (th->t != V_STR) return snprintf(err, errlen, "line %d (op %d): \"thread\" must be a name", op->line, i), -1;
      int found = -1;
      for (int k = 0; k < g_nthreads; k++)
        if (!strcmp(g_thread_names[k], th->s)) found = k;
      if (found < 0) {
        if (g_nthreads >= MAX_THREADS) return snprintf(err, errlen, "line %d (op %d): too many threads", op->line, i), -1;
        found = g_nthreads;
        g_thread_names[g_nthreads++] = th->s;
      }
      op->thread = found;
    }
    if (!strcmp(op->name, "fork")) {
      const jval_t *c = field(op, "child");
      const char *cn = c && c->t == V_STR ? c->s : "child";
      if (c && c->t != V_STR) return snprintf(err, errlen, "line %d (op %d): \"child\" must be a name", op->line, i), -1;
      for (int k = 0; k < g_nprocs; k++)
        if (!strcmp(g_proc_names[k], cn))
          return snprintf(err, errlen, "line %d (op %d): process name \"%s\" already used", op->line, i, cn), -1;
      if (g_nprocs >= MAX_PROCS) return snprintf(err, errlen, "line %d (op %d): too many processes", op->line, i), -1;
      g_proc_names[g_nprocs++] = cn;
    }
  }
  return 0;
}

static void scenario_child(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  g_me = 0;
  atomic_store(&g_sh->main_tids[0], (int)syscall(SYS_gettid));
  g_initial_brk = (uint64_t)syscall(SYS_brk, 0L);
  if (pipe2(g_pipe, O_CLOEXEC) == 0) fcntl(g_pipe[1], F_SETPIPE_SZ, 1 << 20);
  install_fault_handlers();
  run_ops(0);
  _exit(0);
}

static const char *g_self_signals(int sig, char *tmp) { return signal_name(sig, tmp); }

static void kill_scenario(void) {
  for (int k = 0; k < MAX_PROCS; k++) {
    int pid = atomic_load(&g_sh->pids[k]);
    if (pid > 0) kill(pid, SIGKILL);
  }
}

/* ---- Kernel profile: the mm behaviours that differ between builds and sysctls (memsim's KernelProfile) ---- */

/* A small /proc or /sys file into buf (NUL-terminated, "" when unreadable). */
static void read_small(const char *path, char *buf, size_t n) {
  buf[0] = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  ssize_t r = read(fd, buf, n - 1);
  buf[r > 0 ? r : 0] = 0;
  close(fd);
}

/* The smaps entry of the VMA starting at addr, copied into out (empty when there is none). */
static void smaps_entry(uint64_t addr, char *out, size_t n) {
  static char all[1 << 18];
  out[0] = 0;
  int fd = open("/proc/self/smaps", O_RDONLY);
  if (fd < 0) return;
  size_t len = 0;
  ssize_t r;
  while (len < sizeof all - 1 && (r = read(fd, all + len, sizeof all - 1 - len)) > 0) len += (size_t)r;
  close(fd);
  all[len] = 0;
  char head[32];
  snprintf(head, sizeof head, "%" PRIx64 "-", addr);
  for (char *l = all; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, head, strlen(head))) continue;
    char *end = strstr(l, "\nVmFlags:");
    end = end ? strchr(end + 1, '\n') : NULL;
    size_t k = end ? (size_t)(end - l) : strlen(l);
    if (k >= n) k = n - 1;
    memcpy(out, l, k);
    out[k] = 0;
    return;
  }
}

static long smaps_kb(const char *entry, const char *field) {
  char key[40];
  snprintf(key, sizeof key, "\n%s:", field);
  const char *p = strstr(entry, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int smaps_flag(const char *entry, const char *flag) {
  const char *p = strstr(entry, "\nVmFlags:");
  if (!p) return 0;
  char tok[8];
  snprintf(tok, sizeof tok, " %s ", flag);
  char line[256];
  snprintf(line, sizeof line, "%s", p + 9);
  char *nl = strchr(line, '\n');
  if (nl) *nl = 0;
  strncat(line, " ", sizeof line - strlen(line) - 1);
  return strstr(line, tok) != NULL;
}

/* One private anonymous rw page at WINDOW_BASE + k pages (nothing else is there; gaps keep them from merging). */
static char *profile_page(int k) {
  long p = syscall(SYS_mmap, WINDOW_BASE + (uint64_t)k * PAGE, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1L, 0L);
  return p == -1 ? NULL : (char *)p;
}

/* Measures the profile fields a few syscalls can tell; writes `"profile":{...}`. */
/*
 * CONFIG_MEM_SOFT_DIRTY: a written page's /proc/self/pagemap entry has bit 55. PAGEMAP_SCAN (Linux 6.7): the ioctl
 * exists when a call with a wrong size fails with EINVAL rather than ENOTTY.
 */
static void pagemap_facts(int *soft_dirty, int *pagemap_scan) {
  *soft_dirty = 0;
  *pagemap_scan = 0;
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  long p = syscall(SYS_mmap, 0L, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
  if (p != -1) {
    *(volatile char *)p = 1;
    uint64_t e = 0;
    if (pread(fd, &e, sizeof e, (off_t)((uint64_t)p / PAGE * 8)) == (ssize_t)sizeof e) *soft_dirty = (int)((e >> 55) & 1);
    syscall(SYS_munmap, p, PAGE);
  }
  struct pm_scan_arg arg;
  memset(&arg, 0, sizeof arg);
  /* A size of 0 is refused (EINVAL) by a kernel that has the ioctl. */
  errno = 0;
  if (ioctl(fd, PAGEMAP_SCAN_IOCTL, &arg) < 0 && errno == EINVAL) *pagemap_scan = 1;
  close(fd);
}

static void ob_profile(ob_t *o, int anon_name, const char *mmc, uint64_t features) {
  static char entry[4096];
  char *a = profile_page(0), *b = profile_page(2), *c = profile_page(4);
  const char *zero = "null", *account = "null";
  if (a && b && c) {
    /* A read fault on private anonymous memory: the zero page leaves Rss at 0. */
    volatile char sink = a[0];
    (void)sink;
    smaps_entry((uint64_t)(uintptr_t)a, entry, sizeof entry);
    long rss = smaps_kb(entry, "Rss");
    zero = rss == 0 ? "true" : rss > 0 ? "false" : "null";
    /* VM_ACCOUNT across mprotect(PROT_READ): an untouched VMA (no anon_vma) and a written one. */
    c[0] = 1;
    syscall(SYS_mprotect, b, PAGE, PROT_READ);
    syscall(SYS_mprotect, c, PAGE, PROT_READ);
    smaps_entry((uint64_t)(uintptr_t)b, entry, sizeof entry);
    int untouched = smaps_flag(entry, "ac");
    smaps_entry((uint64_t)(uintptr_t)c, entry, sizeof entry);
    int written = smaps_flag(entry, "ac");
    account = untouched ? "\"keep\"" : written ? "\"drop-without-anon-vma\"" : "\"drop\"";
  }
  for (int k = 0; k < 6; k += 2) syscall(SYS_munmap, WINDOW_BASE + (uint64_t)k * PAGE, PAGE);
  char oc[32], ocr[32], mina[32], thp[256];
  read_small("/proc/sys/vm/overcommit_memory", oc, sizeof oc);
  read_small("/proc/sys/vm/overcommit_ratio", ocr, sizeof ocr);
  read_small("/proc/sys/vm/mmap_min_addr", mina, sizeof mina);
  read_small("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof thp);
  const char *sel = strchr(thp, '[');
  const char *sel_end = sel ? strchr(sel, ']') : NULL;
  char thp_mode[64] = "unavailable";
  if (sel && sel_end && sel_end - sel - 1 < (long)sizeof thp_mode) {
    memcpy(thp_mode, sel + 1, (size_t)(sel_end - sel - 1));
    thp_mode[sel_end - sel - 1] = 0;
  }
  ob_f(o, ",\"profile\":{\"zero_page_read_fault\":%s,\"mprotect_account\":%s,\"anon_vma_name\":%s", zero, account,
       anon_name ? "true" : "false");
  ob_f(o, ",\"mmap_min_addr\":%ld,\"max_map_count\":%ld,\"overcommit_memory\":%ld,\"overcommit_ratio\":%ld",
       strtol(mina, NULL, 10), strtol(mmc, NULL, 10), strtol(oc, NULL, 10), strtol(ocr, NULL, 10));
  ob_s(o, ",\"thp_enabled\":");
  ob_jss(o, thp_mode);
  ob_s(o, ",\"uffd_features\":");
  ob_names(o, UFFD_FEATURES, N(UFFD_FEATURES), features);
  int soft_dirty, pagemap_scan;
  pagemap_facts(&soft_dirty, &pagemap_scan);
  ob_f(o, ",\"soft_dirty\":%s,\"pagemap_scan\":%s", soft_dirty ? "true" : "false", pagemap_scan ? "true" : "false");
  ob_s(o, "}");
}

/* What this kernel supports, so callers can tell a kernel without a feature from a model bug. */
static int print_info(void) {
  struct utsname u;
  uname(&u);
  long p = syscall(SYS_mmap, 0L, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
  int anon_name = p != -1 && syscall(SYS_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, p, PAGE, "probe") == 0;
  int ufd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  uint64_t features = 0;
  int uffd_ok = 0;
  if (ufd >= 0) {
    struct uffdio_api a = {.api = UFFD_API};
    if (ioctl(ufd, UFFDIO_API, &a) == 0) {
      uffd_ok = 1;
      features = a.features;
    }
    close(ufd);
  }
  char mmc[64] = "";
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, mmc, sizeof mmc - 1);
    mmc[n > 0 ? n : 0] = 0;
    close(fd);
  }
  char upf[16] = "-1";
  fd = open("/proc/sys/vm/unprivileged_userfaultfd", O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, upf, sizeof upf - 1);
    upf[n > 0 ? n : 0] = 0;
    close(fd);
  }
  static char buf[8192];
  ob_t o = {buf, 0, sizeof buf, 0};
  ob_s(&o, "{\"kernel\":");
  ob_jss(&o, u.release);
  ob_s(&o, ",\"machine\":");
  ob_jss(&o, u.machine);
  ob_f(&o, ",\"window_base\":\"0x%" PRIx64 "\",\"window_size\":%" PRIu64 ",\"page_size\":%ld", WINDOW_BASE,
       WINDOW_SIZE, sysconf(_SC_PAGESIZE));
  ob_f(&o, ",\"anon_vma_name\":%s,\"userfaultfd\":%s,\"uffd_features\":", anon_name ? "true" : "false",
       uffd_ok ? "true" : "false");
  ob_names(&o, UFFD_FEATURES, N(UFFD_FEATURES), features);
  ob_f(&o, ",\"max_map_count\":%ld,\"unprivileged_userfaultfd\":%ld,\"euid\":%d", strtol(mmc, NULL, 10),
       strtol(upf, NULL, 10), (int)geteuid());
  ob_profile(&o, anon_name, mmc, uffd_ok ? features : 0);
  ob_s(&o, "}\n");
  write_all(1, o.buf, o.len);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t timeout_ms = 30000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) timeout_ms = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--info")) return print_info(); else {
      fprintf(stderr, "usage: probe [--timeout-ms N] < scenario.jsonl | probe --info\n");
      return 2;
    }
  }
  /* glibc allocations (thread stacks' bookkeeping) go to mmap, never to the program break. */
  mallopt(M_MMAP_THRESHOLD, 0);
  mallopt(M_TOP_PAD, 0);
  signal(SIGPIPE, SIG_IGN);

  /* The window must be free: reserve it once (MAP_FIXED_NOREPLACE fails if anything is there), then release it. */
  void *w = (void *)syscall(SYS_mmap, WINDOW_BASE, WINDOW_SIZE, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1L, 0L);
  if (w == MAP_FAILED || (uint64_t)(uintptr_t)w != WINDOW_BASE) {
    printf("{\"fatal\":\"cannot reserve the address window at 0x%" PRIx64 ": %s\"}\n", WINDOW_BASE, strerror(errno));
    return 1;
  }
  syscall(SYS_munmap, WINDOW_BASE, WINDOW_SIZE);

  g_sh = (shared_t *)syscall(SYS_mmap, 0L, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1L, 0L);
  long v = syscall(SYS_mmap, 0L, WINDOW_SIZE / PAGE + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L,
                   0L);
  if ((void *)g_sh == MAP_FAILED || v == -1) {
    printf("{\"fatal\":\"cannot allocate probe buffers\"}\n");
    return 1;
  }
  g_mincore_vec = (unsigned char *)v;
  syscall(SYS_mprotect, v + WINDOW_SIZE / PAGE, PAGE, PROT_NONE);
  prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphaned scenario processes come back to us to be reaped */

  static char rbuf[1 << 16];
  size_t llen = 0, rpos = 0, rlen = 0;
  int lineno = 0, eof = 0;
  for (;;) {
    /* Read one scenario. */
    g_nops = g_nfields = g_nitems = 0;
    g_pool_len = 0;
    g_nfds = 0;
    g_memfd_count = 0;
    g_fork_uffd_count = 0;
    int rejected = 0, scen_line = 0;
    char rej[700];
    rej[0] = 0;
    for (;;) {
      /* Assemble a line. */
      int have_line = 0;
      llen = 0;
      int too_long = 0;
      while (!have_line) {
        if (rpos == rlen) {
          ssize_t r = read(0, rbuf, sizeof rbuf);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) {
            eof = 1;
            break;
          }
          rpos = 0;
          rlen = (size_t)r;
        }
        char *nl = memchr(rbuf + rpos, '\n', rlen - rpos);
        size_t take = nl ? (size_t)(nl - (rbuf + rpos)) : rlen - rpos;
        if (llen + take >= LINE_MAX_BYTES - 1) too_long = 1;
        else memcpy(g_line + llen, rbuf + rpos, take);
        if (!too_long) llen += take;
        rpos += take;
        if (nl) {
          rpos++;
          have_line = 1;
        }
      }
      if (!have_line && llen == 0) break; /* end of input */
      lineno++;
      if (!scen_line) scen_line = lineno;
      if (rejected) {
        /* Skip the rest of a rejected scenario. */
        g_line[llen] = 0;
        if (strstr(g_line, "\"end_scenario\"")) break;
        if (!have_line) break;
        continue;
      }
      if (too_long) {
        rejected = 1;
        snprintf(rej, sizeof rej, "line %d: longer than %u bytes", lineno, LINE_MAX_BYTES);
        continue;
      }
      op_t op;
      int r = parse_line(g_line, llen, lineno, &op);
      if (r < 0) {
        rejected = 1;
        snprintf(rej, sizeof rej, "line %d: %s", lineno, g_perr);
        g_line[llen] = 0;
        if (strstr(g_line, "\"end_scenario\"")) break;
        continue;
      }
      if (r == 0) {
        if (!have_line) break;
        continue;
      }
      if (!strcmp(op.name, "end_scenario")) break;
      if (g_nops >= MAX_OPS) {
        rejected = 1;
        snprintf(rej, sizeof rej, "line %d: more than %d ops in one scenario", lineno, MAX_OPS);
        continue;
      }
      g_ops[g_nops++] = op;
      if (!have_line) break;
    }
    if (!rejected && g_nops == 0 && eof) break;
    char perr2[600];
    if (!rejected && prepare_scenario(perr2, sizeof perr2)) {
      rejected = 1;
      snprintf(rej, sizeof rej, "%s", perr2);
    }
    if (rejected) {
      ob_t o = {g_out_main, 0, OUT_SIZE, 0};
      ob_s(&o, "{\"end\":true,\"status\":\"rejected\",\"error\":");
      ob_jss(&o, rej);
      ob_s(&o, "}\n");
      write_all(1, o.buf, o.len);
      if (eof) break;
      continue;
    }

    /* Run it in a fresh child. */
    memset(g_sh, 0, sizeof *g_sh);
    pid_t pid = fork();
    if (pid < 0) {
      printf("{\"fatal\":\"fork failed: %s\"}\n", strerror(errno));
      return 1;
    }
    if (pid == 0) scenario_child();
    atomic_store(&g_sh->pids[0], (int)pid);
    uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;
    const char *status = "ok";
    char detail[256];
    detail[0] = 0;
    int root_done = 0;
    for (;;) {
      int st;
      pid_t w2 = waitpid(-1, &st, WNOHANG | __WALL);
      if (w2 > 0) {
        int who = -1;
        for (int k = 0; k < MAX_PROCS; k++)
          if (atomic_load(&g_sh->pids[k]) == w2) who = k;
        if (who >= 0) atomic_store(&g_sh->pids[who], -1);
        if (who == 0) root_done = 1;
        if (WIFSIGNALED(st) && strcmp(status, "ok") == 0) {
          char tmp[32];
          status = "crash";
          snprintf(detail, sizeof detail, ",\"in\":\"%s\",\"signal\":\"%s\"",
                   who >= 0 ? g_proc_names[who] : "?", g_self_signals(WTERMSIG(st), tmp));
          kill_scenario();
        }
        continue;
      }
      if (w2 < 0 && errno == ECHILD) break; /* every scenario process is gone */
      if (root_done && atomic_load(&g_sh->turn) >= g_nops) {
        /* All ops ran: give the remaining processes a moment to exit on their own, then end them. */
        uint64_t until = now_ns() + 2000000000ULL;
        if (deadline > until) deadline = until;
      }
      if (now_ns() > deadline) {
        if (!strcmp(status, "ok") && atomic_load(&g_sh->turn) < g_nops) {
          status = "timeout";
          snprintf(detail, sizeof detail, ",\"ran\":%d", atomic_load(&g_sh->turn));
        }
        kill_scenario();
        deadline = now_ns() + 5000000000ULL;
      }
      struct timespec ts = {0, 200000};
      nanosleep(&ts, NULL);
    }
    printf("{\"end\":true,\"status\":\"%s\",\"ops\":%d%s}\n", status, g_nops, detail);
    fflush(stdout);
    if (eof) break;
  }
  return 0;
}
