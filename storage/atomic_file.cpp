#include "storage/atomic_file.hpp"
