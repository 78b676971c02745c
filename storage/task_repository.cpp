#include "storage/task_repository.hpp"
