#include "pipeline/zap_authenticator.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace privmon {
namespace {

std::string DecodeZ85Key(const std::string& z85) {
  std::array<uint8_t, 32> raw{};
  if (z85.size() != 40 || zmq_z85_decode(raw.data(), z85.c_str()) == nullptr) {
    throw std::runtime_error("not a 40-character Z85 CURVE key: '" + z85 + "'");
  }
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

}  // namespace

ZapAuthenticator::ZapAuthenticator(zmq::context_t& ctx, const std::vector<std::string>& allowed)
    : socket_(ctx, zmq::socket_type::rep) {
  for (const auto& k : allowed) allowed_.push_back(DecodeZ85Key(k));
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::jthread([this] { Serve(); });
}

ZapAuthenticator::~ZapAuthenticator() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

void ZapAuthenticator::Serve() {
  std::vector<zmq::message_t> frames;
  while (!stop_.load(std::memory_order_acquire)) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
    frames.clear();
    do {
      frames.emplace_back();
      if (!socket_.recv(frames.back(), zmq::recv_flags::none)) break;
    } while (frames.back().more());
    // version, request id, domain, address, identity, mechanism, credentials...
    const bool well_formed = frames.size() >= 6;
    bool ok = false;
    if (well_formed && frames[5].to_string_view() == "CURVE" && frames.size() >= 7) {
      const std::string key(frames[6].to_string_view());
      ok = std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end();
    }
    (ok ? accepted_ : refused_).fetch_add(1, std::memory_order_relaxed);
    const std::string request_id = well_formed ? std::string(frames[1].to_string_view()) : "";
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(ok ? "OK" : "client key not allowed")),
                 zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
  }
}

std::string ReadCurveKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read CURVE key file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  // A ZeroMQ certificate file (zmq_cert save) names it secret-key = "..."; else a bare key.
  static const re2::RE2 kCert(R"re(secret-key\s*=\s*"([^"]{40})")re");
  static const re2::RE2 kKey(R"re(([0-9A-Za-z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}))re");
  std::string key;
  if (re2::RE2::PartialMatch(text, kCert, &key)) return key;
  if (re2::RE2::PartialMatch(text, kKey, &key)) return key;
  throw std::runtime_error("no 40-character Z85 key in " + path);
}

}  // namespace privmon
