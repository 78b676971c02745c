#include "storage/blob_store.hpp"
