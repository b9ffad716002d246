#include <cstdio>
#include "core/version.h"
int main() { std::printf("privmon %s\n", PRIVMON_VERSION); return 0; }
