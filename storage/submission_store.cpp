#include "storage/submission_store.hpp"
