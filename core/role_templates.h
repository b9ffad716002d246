// Template ids of Entra built-in roles (the same in every tenant): an audit record may name a role
// only by its template id (Core Directory's "Role.TemplateId", PIM's "TemplateId" /
// "RoleDefinitionOriginId" on the Role target, with a null display name), and a config may list
// privileged roles by template id. Both resolve to the role's display name here. Pure; any thread.
#pragma once

#include <array>
#include <string_view>
#include <utility>

namespace privmon {

inline constexpr std::array<std::pair<std::string_view, std::string_view>, 24>
    kBuiltinRoleTemplates = {{
        {"62e90394-69f5-4237-9190-012177145e10", "Global Administrator"},
        {"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"},
        {"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator"},
        {"194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator"},
        {"fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"},
        {"29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"},
        {"f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"},
        {"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"},
        {"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"},
        {"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator"},
        {"c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator"},
        {"729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"},
        {"b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"},
        {"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator"},
        {"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"},
        {"9f06204d-73c1-4d4c-880a-6edb90606fd8", "Azure AD Joined Device Local Administrator"},
        {"17315797-102d-40b4-93e0-432062caca18", "Compliance Administrator"},
        {"5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator"},
        {"f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"},
        {"4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"},
        {"790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b", "Message Center Reader"},
        {"88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"},
        {"75934031-6c7e-415a-99d7-48dbd49e875e", "Usage Summary Reports Reader"},
        {"5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"},
    }};

// The display name of the built-in role with this template id (case-insensitive, surrounding
// braces allowed); empty when it is not one.
inline std::string_view BuiltinRoleName(std::string_view template_id) {
  if (template_id.size() == 38 && template_id.front() == '{' && template_id.back() == '}') {
    template_id = template_id.substr(1, 36);
  }
  if (template_id.size() != 36) return {};
  for (const auto& [id, name] : kBuiltinRoleTemplates) {
    bool same = true;
    for (std::size_t i = 0; i < 36 && same; ++i) {
      char c = template_id[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == id[i];
    }
    if (same) return name;
  }
  return {};
}

// Names real records give built-in roles besides the catalogue's (RULES.md): a role's current name
// after a rename (the Entra rebranding) and the names the older directory APIs still write. Each
// reads as the catalogue's name, so privileged_roles (listed either way) matches every spelling.
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRoleNameAliases = {{
    {"Company Administrator", "Global Administrator"},
    {"User Account Administrator", "User Administrator"},
    {"Microsoft Entra Joined Device Local Administrator",
     "Azure AD Joined Device Local Administrator"},
    {"Device Administrators", "Azure AD Joined Device Local Administrator"},
    {"Exchange Service Administrator", "Exchange Administrator"},
    {"SharePoint Service Administrator", "SharePoint Administrator"},
    {"Intune Service Administrator", "Intune Administrator"},
}};

// The catalogue's name of a built-in role named `name` (case-insensitive); `name` itself when it
// is no other name of one.
inline std::string_view CanonicalRoleName(std::string_view name) {
  for (const auto& [alias, canonical] : kRoleNameAliases) {
    if (alias.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < alias.size() && same; ++i) {
      char a = alias[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      same = a == b;
    }
    if (same) return canonical;
  }
  return name;
}

}  // namespace privmon
