// A tiny blocking HTTP/1.0 GET for tests: connects to 127.0.0.1:port, returns the whole response
// (status line, headers, body). Test-only; throws std::runtime_error on socket errors.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace privmon::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

inline HttpResponse HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, 0);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("send");
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) response.append(buf, n);
  ::close(fd);
  HttpResponse r;
  if (response.rfind("HTTP/1.", 0) == 0 && response.size() > 12)
    r.status = std::stoi(response.substr(9, 3));
  const std::size_t body = response.find("\r\n\r\n");
  if (body != std::string::npos) r.body = response.substr(body + 4);
  return r;
}

}  // namespace privmon::testing
