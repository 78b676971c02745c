#include "storage/temp_cleaner.hpp"
