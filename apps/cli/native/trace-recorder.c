/*
 * memsim trace recorder: runs a program under ptrace and writes every memory-management system call of every
 * thread and process it creates, plus /proc/PID/maps right after each execve and at each process's last moment
 * (the PTRACE_EVENT_EXIT stop), in the line format documented in docs/trace.md.
 *
 * Usage: trace-recorder OUTPUT CMD [ARGS...]      (x86-64 Linux only)
 *
 * Why a tracer of our own rather than strace: strace cannot stop a process at exit to copy its maps, and two
 * tracers cannot attach to one process, so a helper would have to do the syscall recording anyway. One tracer that
 * sees every stop also gives a totally ordered event stream (no unfinished/resumed pairs to stitch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __x86_64__
#error "the trace recorder supports x86-64 only"
#endif

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

#define MAX_TASKS 65536

struct task {
  pid_t tid;
  pid_t tgid;
  int used;
  int in_syscall;
  int fresh; /* a new task whose first stop (the SIGSTOP ptrace gives it) is still due */
  int held;  /* a new task that stopped before its creator's fork event: kept stopped until that event */
  long nr;
  unsigned long long args[6];
};

static struct task tasks[MAX_TASKS];
static FILE *out;
static unsigned long long seq = 0;
static int live = 0;

static struct task *find_task(pid_t tid, int create) {
  unsigned h = (unsigned)tid % MAX_TASKS;
  for (unsigned i = 0; i < MAX_TASKS; i++) {
    struct task *t = &tasks[(h + i) % MAX_TASKS];
    if (t->used && t->tid == tid) return t;
    if (!t->used) {
      if (!create) return NULL;
      memset(t, 0, sizeof *t);
      t->used = 1;
      t->tid = tid;
      t->tgid = tid;
      return t;
    }
  }
  return NULL;
}

/* Removing from an open-addressing table: re-insert the cluster after the hole. */
static void drop_task(struct task *t) {
  unsigned i = (unsigned)(t - tasks);
  t->used = 0;
  for (unsigned j = (i + 1) % MAX_TASKS; tasks[j].used; j = (j + 1) % MAX_TASKS) {
    struct task tmp = tasks[j];
    tasks[j].used = 0;
    struct task *n = find_task(tmp.tid, 1);
    *n = tmp;
  }
}

/* Writes a string with backslash, newline, tab and other control bytes as \ooo (as the kernel escapes maps). */
static void put_escaped(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\' || c < 0x20 || c == 0x7f) fprintf(out, "\\%03o", c);
    else fputc(c, out);
  }
}

static void rec(const char *kind) { fprintf(out, "%llu %s", ++seq, kind); }

static pid_t read_tgid(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  FILE *f = fopen(path, "r");
  if (!f) return tid;
  pid_t tgid = tid;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Tgid:", 5) == 0) {
      tgid = (pid_t)strtol(line + 5, NULL, 10);
      break;
    }
  }
  fclose(f);
  return tgid;
}

static int read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
    if (n + 1 >= cap) break;
  }
  close(fd);
  buf[n] = 0;
  return (int)n;
}

static void header_file(const char *key, const char *path) {
  char buf[256];
  if (read_file(path, buf, sizeof buf) < 0) return;
  buf[strcspn(buf, "\n")] = 0;
  fprintf(out, "H %s ", key);
  put_escaped(buf);
  fputc('\n', out);
}

/* The file an fd names, as the process sees it: dev, inode, size, access mode and path. */
static void file_record(pid_t tgid, pid_t tid, long fd) {
  char link[64], path[4096], info[512];
  struct stat st;
  snprintf(link, sizeof link, "/proc/%d/fd/%ld", tid, fd);
  if (stat(link, &st) != 0) return;
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n < 0) return;
  path[n] = 0;
  unsigned flags = 0;
  snprintf(link, sizeof link, "/proc/%d/fdinfo/%ld", tid, fd);
  if (read_file(link, info, sizeof info) > 0) {
    char *p = strstr(info, "flags:");
    if (p) flags = (unsigned)strtoul(p + 6, NULL, 8);
  }
  rec("file");
  fprintf(out, " %d %ld %02x:%02x %llu %lld %o ", tgid, fd, major(st.st_dev), minor(st.st_dev), (unsigned long long)st.st_ino,
          (long long)st.st_size, flags);
  put_escaped(path);
  fputc('\n', out);
}

/* /proc/PID/stat fields 28 (startstack) and 47 (start_brk), counted after the closing parenthesis of comm. */
static void stat_fields(pid_t tid, unsigned long long *start_stack, unsigned long long *start_brk) {
  char path[64], buf[4096];
  *start_stack = *start_brk = 0;
  snprintf(path, sizeof path, "/proc/%d/stat", tid);
  if (read_file(path, buf, sizeof buf) <= 0) return;
  char *p = strrchr(buf, ')');
  if (!p) return;
  p += 2;
  int field = 3;
  while (*p) {
    if (field == 28) *start_stack = strtoull(p, NULL, 10);
    if (field == 47) *start_brk = strtoull(p, NULL, 10);
    p = strchr(p, ' ');
    if (!p) break;
    p++;
    field++;
  }
}

/* The resident pages of [s, e) from /proc/PID/pagemap, as runs: "a" anonymous (private copies, bit 61 clear) or
 * "f" file or shared memory pages (bit 61 set), each as page index from s, '+', count. Swapped pages count as
 * resident: they are committed memory the model should hold too. */
static void pages_record(int pm, pid_t tgid, unsigned long long s, unsigned long long e) {
  static uint64_t buf[4096];
  char kind = 0;
  unsigned long long run = 0, n = 0, total = (e - s) / 4096;
  int any = 0;
  for (unsigned long long i = 0; i < total;) {
    unsigned long long want = total - i < 4096 ? total - i : 4096;
    ssize_t got = pread(pm, buf, want * 8, (off_t)((s / 4096 + i) * 8));
    if (got <= 0) break;
    for (unsigned long long j = 0; j < (unsigned long long)got / 8; j++, i++) {
      uint64_t v = buf[j];
      char k = (v >> 63) & 1 || (v >> 62) & 1 ? (((v >> 61) & 1) ? 'f' : 'a') : 0;
      if (k != kind || !k) {
        if (kind) {
          if (!any) {
            rec("pages");
            fprintf(out, " %d 0x%llx", tgid, s);
            any = 1;
          }
          fprintf(out, " %c%llu+%llu", kind, run, n);
        }
        kind = k;
        run = i;
        n = 0;
      }
      if (k) n++;
    }
  }
  if (kind) {
    if (!any) {
      rec("pages");
      fprintf(out, " %d 0x%llx", tgid, s);
      any = 1;
    }
    fprintf(out, " %c%llu+%llu", kind, run, n);
  }
  if (any) fputc('\n', out);
}

/* One "map" record per line of /proc/TID/maps (TID, not the group leader: the leader may be gone first), and one
 * "mapfile" record (dev, inode, size) per file-backed line, taken from map_files when readable. */
static void snapshot(const char *why, pid_t tgid, pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/maps", tgid, tid);
  FILE *f = fopen(path, "r");
  unsigned long long stk, brk;
  stat_fields(tid, &stk, &brk);
  rec("snap");
  fprintf(out, " %d %s 0x%llx 0x%llx\n", tgid, why, brk, stk);
  int pm = -1;
  if (strcmp(why, "exec") != 0) {
    snprintf(path, sizeof path, "/proc/%d/task/%d/pagemap", tgid, tid);
    pm = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (f) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
      if (line[n - 1] == '\n') line[n - 1] = 0;
      rec("map");
      fprintf(out, " %d ", tgid);
      put_escaped(line);
      fputc('\n', out);
      unsigned long long s, e, off;
      char perms[8], dev[16], name[4096];
      unsigned long long ino;
      name[0] = 0;
      int got = sscanf(line, "%llx-%llx %7s %llx %15s %llu %4095[^\n]", &s, &e, perms, &off, dev, &ino, name);
      if (got >= 6 && pm >= 0 && strncmp(perms, "---", 3) != 0 && e <= 0x800000000000ULL) pages_record(pm, tgid, s, e);
      if (got >= 6 && ino != 0) {
        char mf[128];
        struct stat st;
        snprintf(mf, sizeof mf, "/proc/%d/map_files/%llx-%llx", tid, s, e);
        const char *nm = name;
        while (*nm == ' ') nm++;
        if (stat(mf, &st) == 0 || stat(nm, &st) == 0) {
          rec("mapfile");
          fprintf(out, " %d 0x%llx %llu %lld\n", tgid, s, (unsigned long long)st.st_ino, (long long)st.st_size);
        }
      }
    }
    free(line);
    fclose(f);
  }
  if (pm >= 0) close(pm);
  if (strcmp(why, "exit") == 0) {
    char buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task/%d/smaps_rollup", tgid, tid);
    if (read_file(path, buf, sizeof buf) > 0) {
      rec("rollup");
      fprintf(out, " %d", tgid);
      for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        char key[64];
        unsigned long long kb;
        if (sscanf(l, "%63[A-Za-z_]: %llu kB", key, &kb) == 2) fprintf(out, " %s=%llu", key, kb);
      }
      fputc('\n', out);
    }
  }
}

enum { K_NONE, K_MM, K_OPEN, K_CLOSE, K_CLONE, K_EXEC, K_EXIT, K_PRCTL };

static int kind_of(long nr, const char **name, int *nargs) {
  switch (nr) {
    case 9: *name = "mmap"; *nargs = 6; return K_MM;
    case 10: *name = "mprotect"; *nargs = 3; return K_MM;
    case 11: *name = "munmap"; *nargs = 2; return K_MM;
    case 12: *name = "brk"; *nargs = 1; return K_MM;
    case 25: *name = "mremap"; *nargs = 5; return K_MM;
    case 26: *name = "msync"; *nargs = 3; return K_MM;
    case 27: *name = "mincore"; *nargs = 3; return K_MM;
    case 28: *name = "madvise"; *nargs = 3; return K_MM;
    case 149: *name = "mlock"; *nargs = 2; return K_MM;
    case 150: *name = "munlock"; *nargs = 2; return K_MM;
    case 151: *name = "mlockall"; *nargs = 1; return K_MM;
    case 152: *name = "munlockall"; *nargs = 0; return K_MM;
    case 325: *name = "mlock2"; *nargs = 3; return K_MM;
    case 329: *name = "pkey_mprotect"; *nargs = 4; return K_MM;
    case 30: *name = "shmat"; *nargs = 3; return K_MM;
    case 67: *name = "shmdt"; *nargs = 1; return K_MM;
    case 216: *name = "remap_file_pages"; *nargs = 5; return K_MM;
    case 440: *name = "process_madvise"; *nargs = 5; return K_MM;
    case 453: *name = "map_shadow_stack"; *nargs = 3; return K_MM;
    case 462: *name = "mseal"; *nargs = 3; return K_MM;
    case 2: *name = "open"; *nargs = 3; return K_OPEN;
    case 257: *name = "openat"; *nargs = 4; return K_OPEN;
    case 437: *name = "openat2"; *nargs = 4; return K_OPEN;
    case 319: *name = "memfd_create"; *nargs = 2; return K_OPEN;
    case 3: *name = "close"; *nargs = 1; return K_CLOSE;
    case 56: *name = "clone"; *nargs = 5; return K_CLONE;
    case 57: *name = "fork"; *nargs = 0; return K_CLONE;
    case 58: *name = "vfork"; *nargs = 0; return K_CLONE;
    case 435: *name = "clone3"; *nargs = 2; return K_CLONE;
    case 59: *name = "execve"; *nargs = 3; return K_EXEC;
    case 322: *name = "execveat"; *nargs = 5; return K_EXEC;
    case 60: *name = "exit"; *nargs = 1; return K_EXIT;
    case 231: *name = "exit_group"; *nargs = 1; return K_EXIT;
    case 157: *name = "prctl"; *nargs = 5; return K_PRCTL;
    default: return K_NONE;
  }
}

#define PR_SET_VMA 0x53564d41

static void syscall_exit(struct task *t, long long ret) {
  const char *name = NULL;
  int nargs = 0;
  int k = kind_of(t->nr, &name, &nargs);
  if (k == K_NONE || k == K_EXIT) return;
  if (k == K_PRCTL && t->args[0] != PR_SET_VMA) return;
  /* A file mapping: the file facts first, while the descriptor is still open. */
  if (t->nr == 9 && !(t->args[3] & 0x20) && (long)(int)t->args[4] >= 0) file_record(t->tgid, t->tid, (long)(int)t->args[4]);
  rec("sys");
  fprintf(out, " %d %d %s %lld", t->tgid, t->tid, name, ret);
  for (int i = 0; i < nargs; i++) fprintf(out, " 0x%llx", t->args[i]);
  if (k == K_PRCTL && t->args[1] == 0 && ret == 0) {
    /* PR_SET_VMA_ANON_NAME: the name string (or none). */
    char nm[96] = {0};
    if (t->args[4] != 0) {
      struct iovec local = {nm, sizeof nm - 1}, remote = {(void *)t->args[4], sizeof nm - 1};
      if (process_vm_readv(t->tid, &local, 1, &remote, 1, 0) < 0) nm[0] = 0;
      nm[sizeof nm - 1] = 0;
      fputc(' ', out);
      put_escaped(nm);
    }
  }
  fputc('\n', out);
  if (k == K_OPEN && ret >= 0) file_record(t->tgid, t->tid, (long)ret);
}

static void header(int argc, char **argv) {
  struct utsname u;
  fprintf(out, "memsim-trace 1\n");
  if (uname(&u) == 0) {
    fprintf(out, "H kernel %s\n", u.release);
    fprintf(out, "H machine %s\n", u.machine);
  }
  fprintf(out, "H page_size %ld\n", sysconf(_SC_PAGESIZE));
  header_file("overcommit_memory", "/proc/sys/vm/overcommit_memory");
  header_file("overcommit_ratio", "/proc/sys/vm/overcommit_ratio");
  header_file("max_map_count", "/proc/sys/vm/max_map_count");
  header_file("mmap_min_addr", "/proc/sys/vm/mmap_min_addr");
  header_file("randomize_va_space", "/proc/sys/kernel/randomize_va_space");
  header_file("transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled");
  fprintf(out, "H time %lld\n", (long long)time(NULL));
  for (int i = 0; i < argc; i++) {
    fprintf(out, "H argv ");
    put_escaped(argv[i]);
    fputc('\n', out);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: trace-recorder OUTPUT CMD [ARGS...]\n");
    return 2;
  }
  out = fopen(argv[1], "w");
  if (!out) {
    fprintf(stderr, "trace-recorder: cannot write %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  header(argc - 2, argv + 2);
  fflush(out);
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) != 0) return 2;
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "trace-recorder: fork: %s\n", strerror(errno));
    return 2;
  }
  if (child == 0) {
    fclose(out);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
      fprintf(stderr, "trace-recorder: ptrace(PTRACE_TRACEME): %s\n", strerror(errno));
      _exit(126);
    }
    raise(SIGSTOP);
    execvp(argv[2], argv + 2);
    /* Report the exec failure through the pipe (CLOEXEC: success closes it silently). */
    int e = errno;
    if (write(gate[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(gate[1]);
  int st;
  if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) {
    fprintf(stderr, "trace-recorder: the child did not stop for tracing\n");
    return 2;
  }
  long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
              PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, 0, opts) != 0) {
    fprintf(stderr, "trace-recorder: PTRACE_SETOPTIONS: %s\n", strerror(errno));
    kill(child, SIGKILL);
    return 2;
  }
  struct task *first = find_task(child, 1);
  first->tgid = child;
  live = 1;
  rec("task");
  fprintf(out, " %d %d 0 0 0 0x0\n", child, child);
  ptrace(PTRACE_SYSCALL, child, 0, 0);
  int exit_status = 0;
  while (live > 0) {
    pid_t pid = waitpid(-1, &st, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    struct task *t = find_task(pid, 0);
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (t) {
        rec("gone");
        fprintf(out, " %d %d %d\n", t->tgid, t->tid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        drop_task(t);
        live--;
      }
      if (pid == child) exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    if (!t) {
      /* A new task can stop before its creator's fork/clone event is seen. It stays stopped until then, so its
       * calls (even an execve) are never recorded before the record that creates it. */
      t = find_task(pid, 1);
      t->tgid = read_tgid(pid);
      t->held = 1;
      live++;
      continue;
    }
    int sig = WSTOPSIG(st);
    int event = (st >> 16) & 0xff;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      struct user_regs_struct r;
      if (ptrace(PTRACE_GETREGS, pid, 0, &r) == 0) {
        if (!t->in_syscall) {
          t->in_syscall = 1;
          t->nr = (long)r.orig_rax;
          t->args[0] = r.rdi;
          t->args[1] = r.rsi;
          t->args[2] = r.rdx;
          t->args[3] = r.r10;
          t->args[4] = r.r8;
          t->args[5] = r.r9;
        } else {
          t->in_syscall = 0;
          syscall_exit(t, (long long)r.rax);
        }
      }
    } else if (sig == SIGTRAP && event != 0) {
      unsigned long msg = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
      if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
        pid_t ntid = (pid_t)msg;
        unsigned long long flags = event == PTRACE_EVENT_FORK ? 0x11 /* SIGCHLD */ : event == PTRACE_EVENT_VFORK ? 0x4111 : 0;
        if (event == PTRACE_EVENT_CLONE) flags = t->nr == 56 ? t->args[0] : 0;
        if (t->nr == 435) {
          /* clone3: flags are the first u64 of struct clone_args. */
          struct iovec local = {&flags, sizeof flags}, remote = {(void *)t->args[0], sizeof flags};
          if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof flags) flags = 0;
        }
        /* A fork copies the address space: its resident pages decide what the copy shares (and whether its VMAs
         * carry an anon_vma, which changes how they merge), so take them from the parent now. */
        if (event != PTRACE_EVENT_CLONE || !(flags & 0x100 /* CLONE_VM */)) {
          if (event != PTRACE_EVENT_VFORK) snapshot("fork", t->tgid, t->tid);
        }
        struct task *n = find_task(ntid, 0);
        if (!n) {
          n = find_task(ntid, 1);
          n->fresh = 1;
          live++;
        }
        n->tgid = (flags & 0x10000 /* CLONE_THREAD */) ? t->tgid : ntid;
        rec("task");
        fprintf(out, " %d %d %d %d %s 0x%llx\n", n->tgid, n->tid, t->tgid, t->tid,
                event == PTRACE_EVENT_FORK ? "fork" : event == PTRACE_EVENT_VFORK ? "vfork" : "clone", flags);
        if (n->held) {
          n->held = 0;
          ptrace(PTRACE_SYSCALL, ntid, 0, 0);
        }
      } else if (event == PTRACE_EVENT_EXEC) {
        /* A non-leader thread that execs takes over the leader's id; the old tid is the message. */
        pid_t old = (pid_t)msg;
        if (old != pid) {
          struct task *o = find_task(old, 0);
          if (o) {
            struct task saved = *o;
            drop_task(o);
            live--;
            t = find_task(pid, 0);
            saved.tid = pid;
            *t = saved;
          }
        }
        t = find_task(pid, 0);
        t->tgid = pid;
        rec("exec");
        fprintf(out, " %d %d %d\n", pid, pid, old);
        snapshot("exec", pid, pid);
      } else if (event == PTRACE_EVENT_EXIT) {
        /* The address space is still whole here. Take it once per process: at exit_group, at a fatal signal (not in
         * a system call), or when this is the process's last known thread. */
        int others = 0;
        for (unsigned i = 0; i < MAX_TASKS && !others; i++)
          if (tasks[i].used && tasks[i].tgid == t->tgid && tasks[i].tid != t->tid) others = 1;
        int group = !t->in_syscall || t->nr == 231;
        rec("exit");
        fprintf(out, " %d %d %ld %s\n", t->tgid, t->tid, (long)msg, group ? "group" : "thread");
        if (group || !others) snapshot("exit", t->tgid, t->tid);
      }
    } else if (event == PTRACE_EVENT_STOP) {
      /* group-stop under PTRACE_SEIZE: not used (we attach with TRACEME). */
    } else {
      /* A signal for the tracee: deliver it (the SIGSTOP a new task starts with is ours, not the program's). */
      inject = sig;
      if (sig == SIGSTOP && t->fresh) inject = 0;
    }
    t->fresh = 0;
    ptrace(PTRACE_SYSCALL, pid, 0, inject);
  }
  int e = 0;
  if (read(gate[0], &e, sizeof e) == sizeof e) {
    fprintf(stderr, "trace-recorder: cannot run %s: %s\n", argv[2], strerror(e));
    fclose(out);
    return 127;
  }
  rec("end");
  fprintf(out, " %d\n", exit_status);
  if (fclose(out) != 0) return 2;
  return exit_status;
}
