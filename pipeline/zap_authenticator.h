// ZapAuthenticator: the ZeroMQ ZAP handler (RFC 27) that admits CURVE clients whose public key is
// on an allow-list and refuses every other. Owns one thread serving inproc://zeromq.zap.01 on the
// given context; only one may exist per context. Destruction stops and joins the thread.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace privmon {

class ZapAuthenticator {
 public:
  // allowed_z85: client public keys in Z85 (40 characters). An empty list refuses everyone.
  ZapAuthenticator(zmq::context_t& ctx, const std::vector<std::string>& allowed_z85);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  void Serve();
  zmq::socket_t socket_;
  std::vector<std::string> allowed_;  // raw 32-byte keys
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
  std::jthread thread_;
};

// Reads a CURVE key from a file: either the bare 40-character Z85 text or a ZeroMQ certificate
// ("secret-key = \"...\""). Throws std::runtime_error when the file holds no valid key. Warns on
// stderr (CurveKeyFileWarning) when the file is readable beyond owner and group.
std::string ReadCurveKeyFile(const std::string& path);
// "" when `path` is missing or its mode grants nothing beyond 0640 (owner read-write, group
// read); else one line naming the mode and the fix.
std::string CurveKeyFileWarning(const std::string& path);

}  // namespace privmon
