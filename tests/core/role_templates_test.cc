// Built-in role names: template ids and the other names real records give a role.
#include "core/role_templates.h"

#include <gtest/gtest.h>

namespace privmon {
namespace {

TEST(RoleTemplates, TemplateIdsNameTheirRole) {
  EXPECT_EQ(BuiltinRoleName("fe930be7-5e62-47db-91af-98c3a49a38b1"), "User Administrator");
  EXPECT_EQ(BuiltinRoleName("{62E90394-69F5-4237-9190-012177145E10}"), "Global Administrator");
  EXPECT_EQ(BuiltinRoleName("not-a-template"), "");
}

// z15d: the MSOnline-era names Core Directory still writes for a role (a record naming the role
// by its display name alone): "User Account Administrator" was read as no privileged role.
TEST(RoleTemplates, OlderNamesReadAsTheCataloguesName) {
  EXPECT_EQ(CanonicalRoleName("Company Administrator"), "Global Administrator");
  EXPECT_EQ(CanonicalRoleName("user account administrator"), "User Administrator");
  EXPECT_EQ(CanonicalRoleName("Exchange Service Administrator"), "Exchange Administrator");
  EXPECT_EQ(CanonicalRoleName("Security Administrator"), "Security Administrator");
}

}  // namespace
}  // namespace privmon
