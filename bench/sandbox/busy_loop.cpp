// Burns exactly argv[1] seconds (default 1.0) of its own CPU time, then exits: the reference
// the sandbox's CPU accounting is compared against.
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
  const double limit = argc > 1 ? std::atof(argv[1]) : 1.0;
  volatile unsigned long spin = 0;
  for (;;) {
    for (int i = 0; i < 20000; ++i)
      spin = spin + 1;
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    if (static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9 >= limit)
      return 0;
  }
}
