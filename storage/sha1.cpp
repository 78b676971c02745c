#include "storage/sha1.hpp"
