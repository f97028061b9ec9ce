// make_test_certs DIR: the certificates of test_certificates.h as files in DIR (ca.crt, server.crt,
// server.key, client.crt, client.key, expired.*, stranger.*, and server-locked.key: server.key
// encrypted with the password "indy key password"), for test programs that cannot make them
// themselves (the Pascal tests). Exit code 0, or 1 with the reason.
#include <cstdio>
#include <exception>
#include <filesystem>

#include "test_certificates.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_test_certs DIR\n");
    return 2;
  }
  try {
    std::filesystem::create_directories(argv[1]);
    testing_support::TestPki pki(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_test_certs: %s\n", e.what());
    return 1;
  }
  return 0;
}
