// Four threads sum in parallel; prints the total.
#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

int main() {
  std::atomic<long> total{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&total] {
      long sum = 0;
      for (int i = 1; i <= 1000000; ++i)
        sum += i % 7;
      total += sum;
    });
  for (auto& w : workers)
    w.join();
  std::cout << "total " << total.load() << "\n";
}
