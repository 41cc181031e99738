/**
 * The C source of the native launcher, compiled once per machine (see native-launcher.ts).
 *
 * Why a launcher at all: Node starts a child with fork(), which copies the page tables
 * of the whole (large) Node process before the program can run, and learns of the exit
 * through a signal and its event loop. Timed from JavaScript, that adds a millisecond or
 * more and a wide spread to every run; timed from after the fork, it leaves out part of
 * the program's own start. The launcher is a small process that starts the program with
 * posix_spawn (vfork-like: its cost does not depend on the caller's size), reads the
 * monotonic clock just before the spawn and just after wait4, exactly as hyperfine
 * does, and takes the program's exact CPU times and peak memory from wait4's resource
 * usage.
 *
 * Two modes:
 * - `perf-pulse-launcher --serve`: stays up for a whole measuring session (warm, so
 *   every run is started the same way, and the caller sits idle while a run is timed).
 *   Requests come on stdin as NUL-terminated fields:
 *     `run` COUNT CWD STDERR-PATH ARGC ARG... ENVC ENV...
 *   (STDERR-PATH empty: the null device; otherwise appended to). The program gets the
 *   null device as stdin and stdout and a process group of its own, so that the caller
 *   can kill its whole tree by that group. It runs up to COUNT times back to back, as
 *   hyperfine runs: the replies of short runs are held until the last one, so that the
 *   caller sleeps through all of them; a run that reports its pid (below) ends the batch,
 *   and so do a start failure and any input (`stop` asks for that and is otherwise
 *   ignored). Replies on stdout, one line each, as below, then `end`. End of input ends
 *   the launcher; SIGTERM, SIGHUP or the caller's death (on Linux) end it and kill the
 *   program's group.
 * - `perf-pulse-launcher PROGRAM [ARGS...]`: runs one program that inherits the
 *   launcher's stdio, directory, environment and process group; replies go to file
 *   descriptor 3 (used when the caller keeps the program's stdout).
 *
 * Replies, per run: `pid <pid>` once the program has run for 20 ms, or after it ended if it
 * ended sooner (on Linux; elsewhere as soon as it started); then
 *   `done <wall-ns> exited|signaled <code-or-signal> <user-us> <system-us> <maxrss>`
 * (maxrss in KiB on Linux, bytes on macOS), or `error <errno> <message>` if it could
 * not start. In serve mode `end` follows the last run of a request.
 */
export const NATIVE_LAUNCHER_C = String.raw`/* Perf Pulse native launcher: see native-launcher-source.ts in the project. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

extern char **environ;

/*
 * How long a program runs before its pid is reported. A reply wakes the caller while the
 * program runs; on a machine with few cores that woken caller competes with the program,
 * which read 0.3 to 0.5 ms slower per run at 10 to 50 ms than under hyperfine. The caller
 * only needs the pid to sample a tree's memory (from 20 ms) or to stop a run (it waits).
 */
#define PID_REPLY_DELAY_MS 20

/*
 * A pause between a request and its first spawn, outside the timed part. The request comes from
 * a caller that has just been woken by the previous reply; spawning at once overlaps the
 * program's start with the caller going back to sleep, and on two cores that read 0.1 to
 * 0.5 ms slower per run than hyperfine at 13 ms. With 0.5 to 3 ms of pause the medians
 * agreed within 0.15 ms. It lengthens each run's wall time, not its measurement.
 * With more than one core the pause spins: the spawn then starts from a busy core, as
 * hyperfine's back-to-back runs do. After a sleep instead, the spread of 'true' (2.3 ms)
 * read 1.2 to 2.3 times hyperfine's; spinning, 0.96 to 1.2 times. On one core a spin would
 * keep the caller from going to sleep, so there it sleeps.
 * The later runs of a batch start at once after the run before, as hyperfine's do: any
 * pause lets the CPU that ran the last program go idle, and a program started on a CPU
 * that has idled for a millisecond starts slower (on a two-core VM, 'true' read 1.14 ms
 * back to back and 1.23 to 1.26 ms after a 1 ms pause, spun or slept, in the same
 * process). The caller is asleep then: it hears of the runs when the batch ends.
 */
#define SETTLE_BEFORE_SPAWN_NS 1000000L

/* Replies held while a batch runs, so that nothing wakes the caller between its runs. */
struct replies {
  int fd;
  size_t len;
  char buf[16384];
};

/*
 * The process group of the program being measured in serve mode, while it runs. The caller
 * learns a program's pid only after 20 ms (and the pids of a batch's short runs not at all),
 * so when the caller dies (a second Ctrl-C leaves at once, a crash, SIGKILL) it cannot stop
 * what it did not know of: the launcher is told by the kernel (parent-death signal) and
 * kills that group itself.
 */
static volatile pid_t running_group = 0;
static sigset_t caller_signals;

static void on_caller_gone(int sig) {
  pid_t group = running_group;
  if (group > 0) kill(-group, SIGKILL);
  _exit(128 + sig);
}

/* In serve mode: SIGTERM, SIGHUP or the caller's death end the launcher and its program. */
static void follow_caller(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_caller_gone;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
  sigemptyset(&caller_signals);
  sigaddset(&caller_signals, SIGTERM);
  sigaddset(&caller_signals, SIGHUP);
#ifdef __linux__
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  /* The caller may have gone before the signal was asked for. */
  if (getppid() != parent) raise(SIGTERM);
#endif
}

/* Waits up to ms for the program to end without reaping it: 1 if it ended, 0 otherwise. */
static int ended_within(pid_t pid, int ms) {
#if defined(__linux__) && defined(SYS_pidfd_open)
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return 0; /* kernels before 5.3: report at once */
  struct pollfd watch = {fd, POLLIN, 0};
  int r;
  do r = poll(&watch, 1, ms);
  while (r < 0 && errno == EINTR);
  close(fd);
  return r > 0;
#else
  (void)pid;
  (void)ms;
  return 0;
#endif
}

static long long monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void settle_before_spawn(int spin) {
  if (spin) {
    long long until = monotonic_ns() + SETTLE_BEFORE_SPAWN_NS;
    while (monotonic_ns() < until) {
    }
  } else {
    struct timespec pause = {0, SETTLE_BEFORE_SPAWN_NS};
    nanosleep(&pause, NULL);
  }
}

static long long micros(struct timeval v) { return (long long)v.tv_sec * 1000000LL + v.tv_usec; }

static int write_all(int fd, const char *text, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    text += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Sends what is held. */
static int flush_replies(struct replies *out) {
  int r = write_all(out->fd, out->buf, out->len);
  out->len = 0;
  return r;
}

/* Holds one reply line until the next flush (sent at once if the buffer is full). */
static int reply(struct replies *out, const char *line) {
  size_t len = strlen(line);
  if (out->len + len > sizeof out->buf && flush_replies(out) < 0) return -1;
  if (len > sizeof out->buf) return write_all(out->fd, line, len);
  memcpy(out->buf + out->len, line, len);
  out->len += len;
  return 0;
}

/* True when the caller has written something: a batch then stops before its next run. */
static int input_waiting(void) {
#ifdef __linux__
  struct pollfd in = {0, POLLIN, 0};
  return poll(&in, 1, 0) > 0;
#else
  return 0;
#endif
}

/*
 * Starts one program, waits for it, and reports its pid and how it went: 0 when it ran,
 * 1 when it could not start, 2 when it ran and its pid went out while it ran (the caller
 * is awake), -1 when the caller cannot be told.
 */
static int measure(struct replies *out, const char *file, char *const argv[], const posix_spawn_file_actions_t *actions,
                   const posix_spawnattr_t *attr, char *const envp[]) {
  char line[256];
  pid_t pid;
  /* No caller-gone signal between the spawn and knowing the group it must kill. */
  sigset_t before;
  sigprocmask(SIG_BLOCK, &caller_signals, &before);
  long long start = monotonic_ns();
  int err = posix_spawnp(&pid, file, actions, attr, argv, envp);
  /* A group of its own only in serve mode (attr set): a one-shot program shares the launcher's. */
  if (err == 0 && attr) running_group = pid;
  sigprocmask(SIG_SETMASK, &before, NULL);
  if (err != 0) {
    snprintf(line, sizeof line, "error %d %s\n", err, strerror(err));
    return reply(out, line) < 0 ? -1 : 1;
  }
  char pidLine[32];
  snprintf(pidLine, sizeof pidLine, "pid %d\n", (int)pid);
  int ended = ended_within(pid, PID_REPLY_DELAY_MS);
  if (!ended && (reply(out, pidLine) < 0 || flush_replies(out) < 0)) return -1;
  int status;
  struct rusage usage;
  for (;;) {
    pid_t r = wait4(pid, &status, 0, &usage);
    if (r == pid) {
      running_group = 0;
      break;
    }
    if (r < 0 && errno != EINTR) {
      snprintf(line, sizeof line, "error %d %s\n", errno, strerror(errno));
      return reply(out, line) < 0 ? -1 : 1;
    }
  }
  long long wall = monotonic_ns() - start;
  if (ended && reply(out, pidLine) < 0) return -1;
  int signaled = WIFSIGNALED(status);
  int code = signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  snprintf(line, sizeof line, "done %lld %s %d %lld %lld %ld\n", wall, signaled ? "signaled" : "exited", code,
           micros(usage.ru_utime), micros(usage.ru_stime), (long)usage.ru_maxrss);
  return reply(out, line) < 0 ? -1 : ended ? 0 : 2;
}

/* Reads one NUL-terminated field of a request; NULL at the end of input. */
static char *field(void) {
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&buf, &cap, '\0', stdin);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static int serve(void) {
  follow_caller();
  /* Opened once, outside the timed part: the spawned child only duplicates descriptors. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) return 2;
  int spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
  static struct replies out;
  out.fd = 1;
  for (;;) {
    char *word = field();
    if (!word) return 0;
    if (strcmp(word, "stop") == 0) {
      /* Came after its batch had ended: nothing to stop. */
      free(word);
      continue;
    }
    if (strcmp(word, "run") != 0) {
      fprintf(stderr, "perf-pulse-launcher: unknown request %s\n", word);
      return 2;
    }
    free(word);
    char *runs = field(), *cwd = field(), *errPath = field(), *count = field();
    if (!runs || !cwd || !errPath || !count) return 2;
    int batch = atoi(runs);
    free(runs);
    int argc = atoi(count);
    free(count);
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int i = 0; i < argc; i++)
      if (!(argv[i] = field())) return 2;
    char *envCount = field();
    if (!envCount) return 2;
    int envc = atoi(envCount);
    free(envCount);
    char **envp = calloc((size_t)envc + 1, sizeof *envp);
    for (int i = 0; i < envc; i++)
      if (!(envp[i] = field())) return 2;

    int errFd = errPath[0] ? open(errPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : devnull;
    if (errFd < 0) errFd = devnull;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, devnull, 0);
    posix_spawn_file_actions_adddup2(&actions, devnull, 1);
    posix_spawn_file_actions_adddup2(&actions, errFd, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);

    int status = 0;
    if (chdir(cwd) != 0) {
      char line[512];
      snprintf(line, sizeof line, "error %d cannot enter %s: %s\n", errno, cwd, strerror(errno));
      status = reply(&out, line);
    } else {
      settle_before_spawn(spin);
      for (int i = 0; i < batch; i++) {
        status = measure(&out, argv[0], argv, &actions, &attr, envp);
        if (status != 0 || input_waiting()) break;
      }
    }
    if (status >= 0 && (reply(&out, "end\n") < 0 || flush_replies(&out) < 0)) status = -1;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (errFd != devnull) close(errFd);
    for (int i = 0; i < argc; i++) free(argv[i]);
    for (int i = 0; i < envc; i++) free(envp[i]);
    free(argv);
    free(envp);
    free(cwd);
    free(errPath);
    if (status < 0) return 3;
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--serve") == 0) return serve();
  if (argc < 2) {
    fprintf(stderr, "usage: %s --serve | PROGRAM [ARGS...] (reports on file descriptor 3)\n", argv[0]);
    return 2;
  }
  /* The report pipe must not leak into the measured program. */
  if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0) {
    fprintf(stderr, "%s: file descriptor 3 is not open\n", argv[0]);
    return 2;
  }
  static struct replies out;
  out.fd = 3;
  int r = measure(&out, argv[1], argv + 1, NULL, NULL, environ);
  if (r >= 0 && flush_replies(&out) < 0) r = -1;
  return r < 0 ? 3 : r == 1 ? 127 : 0;
}
`;
