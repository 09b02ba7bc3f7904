/*
 * The Linux half of uffd-proc.differential.test.ts: one fixed scenario of UFFDIO_MOVE, /proc/self/pagemap,
 * PAGEMAP_SCAN and /proc/self/mem, printed as "name value" lines (addresses relative, in pages) for the test to
 * compare with the model running the same steps. Needs Linux 6.8+ for UFFDIO_MOVE (prints "skip" otherwise).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
struct move_arg { uint64_t dst, src, len, mode; int64_t move; };
#define MOVE_IOCTL _IOWR(UFFDIO, 0x05, struct move_arg)
struct page_region { uint64_t start, end, categories; };
struct scan_arg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
      category_anyof_mask, return_mask;
};
#define SCAN_IOCTL _IOWR('f', 16, struct scan_arg)

static int pmfd, memfd_self;

static void pm(const char *name, void *p) {
  uint64_t e = 0;
  if (pread(pmfd, &e, 8, ((uint64_t)(uintptr_t)p / PG) * 8) != 8) e = 0;
  printf("pagemap.%s %llx\n", name, (unsigned long long)(e >> 55));
}

static void mv(const char *name, int fd, void *dst, void *src, size_t len, uint64_t mode) {
  struct move_arg m = {(uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, len, mode, 12345};
  int r = ioctl(fd, MOVE_IOCTL, &m);
  if (m.move == 12345) printf("move.%s %d %d -\n", name, r, r ? errno : 0);
  else printf("move.%s %d %d %lld\n", name, r, r ? errno : 0, (long long)m.move);
}

static void scan(const char *name, char *s, char *e, uint64_t flags, uint64_t inv, uint64_t mask, uint64_t any,
                 uint64_t ret, uint64_t maxp) {
  struct page_region v[16];
  struct scan_arg a = {sizeof a, flags, (uint64_t)(uintptr_t)s, (uint64_t)(uintptr_t)e, 0, (uint64_t)(uintptr_t)v,
                       16, maxp, inv, mask, any, ret};
  int r = ioctl(pmfd, SCAN_IOCTL, &a);
  printf("scan.%s %d", name, r < 0 ? -errno : r);
  if (r >= 0) printf(" end=%ld", (long)(((int64_t)a.walk_end - (int64_t)(uintptr_t)s) / PG));
  for (int i = 0; i < r; i++)
    printf(" %ld-%ld:%llx", (long)((v[i].start - (uint64_t)(uintptr_t)s) / PG),
           (long)((v[i].end - (uint64_t)(uintptr_t)s) / PG), (unsigned long long)v[i].categories);
  printf("\n");
}

static void memrw(const char *name, void *p, size_t n, const char *data) {
  char buf[64] = {0};
  ssize_t r = data ? pwrite(memfd_self, data, n, (off_t)(uintptr_t)p) : pread(memfd_self, buf, n, (off_t)(uintptr_t)p);
  printf("mem.%s %zd %d\n", name, r, r < 0 ? errno : 0);
}

static int uffd(uint64_t features) {
  int fd = (int)syscall(SYS_userfaultfd, O_NONBLOCK | O_CLOEXEC);
  struct uffdio_api api = {.api = UFFD_API, .features = features};
  if (fd < 0 || ioctl(fd, UFFDIO_API, &api)) return -1;
  return fd;
}

static void reg(int fd, void *p, size_t len, uint64_t mode) {
  struct uffdio_register r = {{(uint64_t)(uintptr_t)p, len}, mode, 0};
  if (ioctl(fd, UFFDIO_REGISTER, &r)) printf("register-failed %d\n", errno);
}

int main(void) {
  pmfd = open("/proc/self/pagemap", O_RDONLY);
  memfd_self = open("/proc/self/mem", O_RDWR);
  int fd = uffd(0);
  if (pmfd < 0 || memfd_self < 0 || fd < 0) {
    printf("skip setup\n");
    return 0;
  }
  volatile char sink;
  /* pagemap */
  char *a = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  a[0] = 1;
  sink = a[PG];
  pm("anon-written", a);
  pm("anon-zero", a + PG);
  pm("anon-missing", a + 2 * PG);
  char *sh = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sh[0] = 1;
  sink = sh[PG];
  pm("shared-written", sh);
  pm("shared-read", sh + PG);
  pm("shared-missing", sh + 3 * PG);
  int mf = memfd_create("differential", 0);
  if (ftruncate(mf, 4 * PG) || pwrite(mf, "orig", 4, 0) != 4) return 1;
  char *fp = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, mf, 0);
  sink = fp[0];
  fp[PG] = 1;
  pm("private-file-read", fp);
  pm("private-file-written", fp + PG);
  char *fs = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mf, 0);
  sink = fs[0];
  pm("shared-file-twice", fs);
  /* UFFDIO_MOVE */
  char *d = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *s = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(s, 'x', 4 * PG);
  d[6 * PG] = 1;
  reg(fd, d, 8 * PG, UFFDIO_REGISTER_MODE_MISSING);
  mv("basic", fd, d, s, PG, 0);
  pm("move-dst", d);
  pm("move-src", s);
  mv("dst-exists", fd, d, s + PG, PG, 0);
  mv("src-hole", fd, d + PG, s + 5 * PG, PG, 0);
  mv("src-hole-allowed", fd, d + PG, s + 5 * PG, PG, 2);
  pm("hole-dst", d + PG);
  mv("partial", fd, d + 5 * PG, s + PG, 2 * PG, 0);
  mv("bad-mode", fd, d + 2 * PG, s + 2 * PG, PG, 4);
  mv("unaligned", fd, d + 2 * PG + 1, s + 2 * PG, PG, 0);
  mv("zero-length", fd, d + 2 * PG, s + 2 * PG, 0, 0);
  mv("dst-unregistered", fd, s + 6 * PG, s + 2 * PG, PG, 0);
  mv("dst-past-vma", fd, d + 7 * PG, s + 2 * PG, 2 * PG, 0);
  mv("dst-shared", fd, sh + 2 * PG, s + 2 * PG, PG, 0);
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  mv("src-fork-shared", fd, d + 2 * PG, s + 2 * PG, PG, 0);
  pm("fork-shared", s + 2 * PG);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  s[3 * PG] = 'y';
  mv("src-written-after-fork", fd, d + 3 * PG, s + 3 * PG, PG, 0);
  sink = s[7 * PG];
  mv("src-zero-page", fd, d + 4 * PG, s + 7 * PG, PG, 0);
  pm("moved-zero", d + 4 * PG);
  /* PAGEMAP_SCAN */
  char *c = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  c[0] = 1;
  c[PG] = 1;
  sink = c[3 * PG];
  c[5 * PG] = 1;
  scan("all", c, c + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan("present", c, c + 8 * PG, 0, 0, 8, 0, 0x1ff, 0);
  scan("not-present", c, c + 8 * PG, 0, 8, 8, 0, 0x1ff, 0);
  scan("pfnzero", c, c + 8 * PG, 0, 0, 0x20, 0, 0x1ff, 0);
  scan("max-pages", c, c + 8 * PG, 0, 0, 8, 0, 0x1ff, 1);
  scan("file", fp, fp + 4 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan("bad-flags", c, c + 8 * PG, 4, 0, 0, 0, 0x1ff, 0);
  scan("bad-category", c, c + 8 * PG, 0, 0, 0x200, 0, 0x1ff, 0);
  scan("unaligned", c + 1, c + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan("end-before-start", c + PG, c, 0, 0, 0, 0, 0x1ff, 0);
  scan("check-wpasync", c, c + 8 * PG, 2, 0, 0, 0, 0x1ff, 0);
  int wfd = uffd((1 << 15) | (1 << 13));
  char *w = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  w[0] = 1;
  w[PG] = 1;
  reg(wfd, w, 8 * PG, UFFDIO_REGISTER_MODE_WP);
  scan("wp-before", w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  struct uffdio_writeprotect wp = {{(uint64_t)(uintptr_t)w, 8 * PG}, UFFDIO_WRITEPROTECT_MODE_WP};
  if (ioctl(wfd, UFFDIO_WRITEPROTECT, &wp)) printf("writeprotect-failed %d\n", errno);
  pm("wp-present", w);
  pm("wp-marker", w + 2 * PG);
  scan("wp-after", w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  w[0] = 5;
  w[3 * PG] = 5;
  sink = w[4 * PG];
  pm("wp-async-written", w);
  pm("wp-async-marker-written", w + 3 * PG);
  pm("wp-marker-read", w + 4 * PG);
  scan("written", w, w + 8 * PG, 0, 0, 2, 0, 0x1ff, 0);
  scan("wp-matching", w, w + 8 * PG, 3, 0, 2, 0, 0x1ff, 0);
  scan("after-matching", w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  /* /proc/self/mem */
  char *ro = mmap(0, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memrw("write-ro-private", ro, 2, "hi");
  printf("mem.ro-private-value %d\n", ro[0]);
  char *pn = mmap(0, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memrw("read-prot-none", pn, 4, NULL);
  memrw("write-prot-none", pn, 1, "x");
  char *fr = mmap(0, 4 * PG, PROT_READ, MAP_PRIVATE, mf, 0);
  memrw("write-ro-private-file", fr, 4, "EDIT");
  char buf[8] = {0};
  if (pread(mf, buf, 4, 0) != 4) return 1;
  printf("mem.file-after %s\n", buf);
  printf("mem.mapping-after %.4s\n", fr);
  char *fsr = mmap(0, 4 * PG, PROT_READ, MAP_SHARED, mf, 0);
  memrw("write-ro-shared-file", fsr, 4, "SHRD");
  char *hole = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole + PG, PG);
  memrw("read-into-hole", hole + PG - 4, 8, NULL);
  memrw("read-unmapped", hole + PG, 4, NULL);
  memrw("read-uffd-missing", d + 7 * PG, 4, NULL);
  memrw("read-zero-length", hole, 0, NULL);
  (void)sink;
  return 0;
}
