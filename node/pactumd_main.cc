// pactumd: the pactum node daemon. The node (peers over mutual TLS, the agent
// API, metrics) is issue 7 and not built yet; until it is, pactumd refuses to
// start rather than pretend to run.
#include <cstdio>

int main() {
  std::fputs("pactumd: the node daemon is not implemented yet (issue 7); nothing was started\n",
             stderr);
  return 2;
}
