#include "storage/names.hpp"
