#include <iostream>
int main() {
  std::cout << "hello from c++\n";
}
