// The identity file of the state-partition mode (app/state_identity.h): written on the first start
// in a checkpoint.dir, accepted when equal, refused (with both identities named) when the topic,
// group, state topic, mode or partition count differ.
#include "app/state_identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace privmon {
namespace {

namespace fs = std::filesystem;

SourceSettings Keyed(const std::string& topic) {
  SourceSettings s;
  s.kafka.topics = {topic};
  s.kafka.group = "privmon";
  s.kafka.keyed_by_tenant = true;
  s.kafka.state_partitions = 4;
  return s;
}

SourceSettings Hop(const std::string& state_topic) {
  SourceSettings s;
  s.kafka.topics = {"in"};
  s.kafka.group = "privmon";
  s.kafka.state_topic = state_topic;
  s.kafka.state_partitions = 4;
  return s;
}

class StateIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("privmon-identity-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Dir() const { return dir_.string(); }
  fs::path dir_;
};

TEST(StateIdentity, FormatAndParseRoundTrip) {
  const auto identity = StateIdentityOf(Hop("state"));
  EXPECT_EQ(identity.at("mode"), "state_topic");
  EXPECT_EQ(identity.at("state_topic"), "state");
  EXPECT_EQ(identity.at("input_topics"), "in");
  EXPECT_EQ(identity.at("group"), "privmon");
  EXPECT_EQ(identity.at("partitions"), "4");
  std::map<std::string, std::string> parsed;
  ASSERT_TRUE(ParseStateIdentity(FormatStateIdentity(identity), &parsed));
  EXPECT_EQ(parsed, identity);
  EXPECT_FALSE(ParseStateIdentity("mode=keyed_by_tenant\ngarbage\n", &parsed));
  EXPECT_EQ(StateIdentityOf(Keyed("in")).count("state_topic"), 0u);
}

TEST_F(StateIdentityTest, FirstStartWritesItAndTheSameConfigIsAccepted) {
  std::string error;
  ASSERT_TRUE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in")), &error)) << error;
  std::ifstream in(dir_ / kStateIdentityFile);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("input_topics=in\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("mode=keyed_by_tenant\n"), std::string::npos) << text.str();
  EXPECT_TRUE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in")), &error)) << error;
  // No temporary file left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(StateIdentityTest, AnotherInputTopicIsRefusedNamingBoth) {
  std::string error;
  ASSERT_TRUE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in")), &error)) << error;
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in2")), &error));
  EXPECT_NE(error.find("input_topics=in "), std::string::npos) << error;
  EXPECT_NE(error.find("input_topics=in2 "), std::string::npos) << error;
  EXPECT_NE(error.find("new checkpoint.dir"), std::string::npos) << error;
}

TEST_F(StateIdentityTest, AnotherGroupStateTopicModeOrPartitionCountIsRefused) {
  std::string error;
  ASSERT_TRUE(CheckStateIdentity(Dir(), StateIdentityOf(Hop("state")), &error)) << error;
  SourceSettings other_group = Hop("state");
  other_group.kafka.group = "other";
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(other_group), &error));
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(Hop("state2")), &error));
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in")), &error));
  SourceSettings more = Hop("state");
  more.kafka.state_partitions = 8;
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(more), &error));
  EXPECT_TRUE(CheckStateIdentity(Dir(), StateIdentityOf(Hop("state")), &error)) << error;
}

TEST_F(StateIdentityTest, AnUnreadableIdentityIsRefused) {
  std::ofstream(dir_ / kStateIdentityFile) << "not an identity\n";
  std::string error;
  EXPECT_FALSE(CheckStateIdentity(Dir(), StateIdentityOf(Keyed("in")), &error));
  EXPECT_NE(error.find(kStateIdentityFile), std::string::npos) << error;
}

}  // namespace
}  // namespace privmon
