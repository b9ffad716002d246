// Refuses, in words, to run on a CPU that lacks what the build was compiled for. privmon is built
// with -march=PRIVMON_MARCH (haswell by default: simdjson's fast kernels need AVX2, BMI2 and
// PCLMUL); on an older x86-64 that binary would die with SIGILL somewhere in start-up. This file
// alone is compiled for baseline x86-64 and linked into the executable only, and its check runs
// as the first constructor (priority 101), before any code built for the newer CPU.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

#if defined(__x86_64__) && defined(PRIVMON_NEEDS_AVX2)
__attribute__((constructor(101))) void RefuseCpuWithoutAvx2() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
      __builtin_cpu_supports("pclmul")) {
    return;
  }
  static const char kMessage[] =
      "privmon: this binary was built for x86-64 CPUs with AVX2, BMI2 and PCLMUL "
      "(-march=" PRIVMON_NEEDS_AVX2
      ") and this CPU lacks them; rebuild with -DPRIVMON_MARCH= "
      "(portable) or -DPRIVMON_MARCH=native\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
  _exit(1);
}
#endif

}  // namespace
