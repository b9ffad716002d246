// FieldCollector: walks the fields of one record object (any of the three formats, and the diag
// `properties` object) of an already parsed DOM into RecordFields in a single forward pass. Log
// Analytics dynamic columns that arrive as JSON text are parsed with JsonTextFields; such a column
// that is itself not valid JSON is of the wrong type (RecordFields::wrong_type_detail). Reading
// cannot fail (the DOM parse validated the text). No allocation in steady state; not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "parsers/json_text_field.h"
#include "parsers/json_walk.h"
#include "parsers/record_fields.h"

namespace privmon::parsers {

class FieldCollector {
 public:
  explicit FieldCollector(JsonTextFields& text_fields) : text_fields_(text_fields) {}

  // Starts a record: the views of the previous record's numbers and JSON-text columns may be
  // reused from here on.
  void BeginRecord();

  // One top-level field of a record (`key` unescaped).
  void RecordField(std::string_view key, dom::element value, RecordFields& out);

  // Ends a record: reads what its fields named across columns (numbered array columns).
  void EndRecord(RecordFields& out);

 private:
  using Walk = void (FieldCollector::*)(dom::element, RecordFields&);

  void Field(std::string_view key, dom::element value, bool in_properties, RecordFields& out);
  void Properties(dom::element value, RecordFields& out);
  void Status(dom::element value, RecordFields& out);
  void DeviceDetail(dom::element value, RecordFields& out);
  void Location(dom::element value, RecordFields& out);
  void AuthenticationDetails(dom::element value, RecordFields& out);
  void InitiatedBy(dom::element value, RecordFields& out);
  void TargetResources(dom::element value, RecordFields& out);
  void Target(dom::element value, RecordFields& out);
  // What one target names, read from its members (Target) or from numbered columns (EndRecord).
  struct TargetViews {
    std::string_view type, odata_type, id, display_name, upn, app_id, role_property, upn_property,
        template_id, old_upn_property, property_app_id, legacy_fields, legacy_values;
  };
  // One of a target's modified properties; `keep_views` false: its texts are not kept (their
  // parse slot is read again by the next target).
  static void ModifiedProperty(std::string_view name, std::string_view old_value,
                               std::string_view new_value, bool keep_views, TargetViews& t,
                               RecordFields& out);
  // What a target is, into `out` once its members were read.
  static void FinishTarget(TargetViews& t, RecordFields& out);
  // A numbered column of a target ("targetResources_0_userPrincipalName", a Data Collector API
  // table's or a KQL projection's): `rest` is what follows "targetResources_". False when it names
  // no member privmon reads.
  bool NumberedTargetColumn(std::string_view rest, dom::element value, RecordFields& out);
  void Identity(dom::element value, RecordFields& out);
  void Claims(dom::element value, RecordFields& out);
  // An Azure Activity record's authorization object: its RBAC `action`.
  void Authorization(dom::element value, RecordFields& out);
  void AdditionalDetails(dom::element value, RecordFields& out);
  // One additionalDetails element's key and value; `origin` keeps a RoleDefinitionOriginId.
  static void Detail(std::string_view key, std::string_view value, std::string_view& origin,
                     RecordFields& out);
  void SignInEventTypes(dom::element value, RecordFields& out);
  // An ECS document's "event" object: its `original` (the Azure record as the shipper read it).
  void EcsEvent(dom::element value, RecordFields& out);
  // One member of a status, deviceDetail, location, initiatedBy.user or initiatedBy.app object:
  // what the walks above read of each, also where a custom table flattened the object into columns.
  void StatusMember(std::string_view key, dom::element child, RecordFields& out);
  void DeviceDetailMember(std::string_view key, dom::element child, RecordFields& out);
  void LocationMember(std::string_view key, dom::element child, RecordFields& out);
  // A column of Defender XDR's Entra sign-in table, held in RecordFields::defender.
  void DefenderColumn(std::string_view key, dom::element v, RecordFields& out);
  // A row of that table (it names AccountUpn or AccountObjectId) read as a sign-in row.
  static void ReadDefenderSignIn(RecordFields& out);
  static void ReadDefenderAppSignIn(RecordFields& out);
  void InitiatorUserMember(std::string_view key, dom::element child, RecordFields& out);
  void InitiatorAppMember(std::string_view key, dom::element child, RecordFields& out);
  // A column of a Log Analytics custom table filled by the HTTP Data Collector API: `name` without
  // its type suffix (_s, _d, _b, _t, _g), a record key or a nested member's path joined by '_'
  // ("status_errorCode", "initiatedBy_user_userPrincipalName", "properties_userId"). Read as that
  // field; returns false for a name that is none privmon reads.
  bool SuffixedColumn(std::string_view name, dom::element value, RecordFields& out);

  // Reads a scalar into `out` when present (strings, numbers and booleans as text); other types
  // leave `out` unchanged.
  void Text(dom::element v, std::string_view& out);
  // An identity or tenant field (UPN, user / object id, caller, tenant id): a string; null reads as
  // absent; any other type notes `detail` (the field's path) in out.wrong_type_detail.
  static void IdText(dom::element v, std::string_view& out, RecordFields& fields,
                     std::string_view detail);
  // A time: as ScalarText, or the "value" of Windows PowerShell's DateTime object
  // ({"value": "\/Date(ms)\/", "DateTime": ..}).
  void TimeText(dom::element v, std::string_view& out, RecordFields& fields,
                std::string_view detail);
  // A text field a rule reads (an activity, a client, a time, ...): a scalar as Text reads it; null
  // reads as absent; an object or an array notes `detail` in out.wrong_type_detail.
  void ScalarText(dom::element v, std::string_view& out, RecordFields& fields,
                  std::string_view detail);
  // Notes `detail` as the record's wrong-typed field, unless one was noted before.
  static void NoteWrongType(RecordFields& fields, std::string_view detail);
  // A status written as text (not an object): the outcome it states ("Failed", "50126"), or a
  // null outcome ("null").
  static void StatusText(std::string_view text, RecordFields& out);
  // signInEventTypes as plain text: one name (an mv-expand row) or names joined by commas,
  // semicolons or blanks; any other text notes the field in out.wrong_type_detail.
  static void EventTypesText(std::string_view text, RecordFields& out);
  // One sign-in event type name ("servicePrincipal", "nonInteractiveUser", ...) into `out`.
  static void EventTypeName(std::string_view name, RecordFields& out);
  // A target's modifiedProperties written as text: "" / "[]" none, JSON text of the array read
  // as it (each target's in a slot of its own); anything else notes the field in
  // out.wrong_type_detail. `keep_views`: false while on_modified runs for a target past the
  // slots that keep their views (JsonTextFields::kModifiedPropertiesSlots).
  template <typename OnModified>
  void ModifiedPropertiesText(dom::element v, RecordFields& out, OnModified& on_modified,
                              bool& keep_views);
  // An outcome code (status.errorCode, resultType / ResultType, an audit's result): a string or an
  // integral number; null notes out.outcome_null; any other type (boolean, object, array, a number
  // with a fraction) notes `detail` in out.wrong_type_detail.
  void CodeText(dom::element v, std::string_view& out, RecordFields& fields,
                std::string_view detail);
  // Booleans, and "true"/"false" text (also 0 / 1); an object, an array, or text or a number that
  // is no boolean notes `detail` in fields.wrong_type_detail (empty text and null are absent).
  void Bool(dom::element v, TriBool& out, RecordFields& fields, std::string_view detail);
  void BoolValue(dom::element v, TriBool& out);
  // A modified property's oldValue / newValue: JSON text in a string, or a decoded array (read as
  // its first scalar; one of objects alone, or an object, as its JSON text).
  void PropertyValue(dom::element v, std::string_view& out);
  // A string, or an ACT-REST {"value": "...", "localizedValue": "..."} wrapper; an array notes
  // `detail` in fields.wrong_type_detail.
  void TextOrValueObject(dom::element v, std::string_view& out, RecordFields& fields,
                         std::string_view detail);

  // Calls (this->*walk)(v) on an object/array value, or on the JSON parsed from a string value.
  // A value of a type the column cannot have (a number, a boolean, an array for an object column,
  // text that is not its JSON) notes the column in out.wrong_type_detail; null and "" are absent.
  void Dynamic(JsonTextFields::Slot slot, dom::element value, RecordFields& out, Walk walk);
  // Notes in out.single_element_columns an array column that is one object (an mv-expand row).
  static void NoteSingleElement(JsonTextFields::Slot slot, dom::element v, RecordFields& out);

  JsonTextFields& text_fields_;
  NumberTexts numbers_;
  JsonTexts decoded_texts_;  // decoded modified-property values as JSON text (PropertyValue)
  uint32_t modified_text_slots_ = 0;  // modifiedProperties slots this record opened

  // Numbered array columns (targetResources_<i>_<member>, ..._modifiedProperties_<j>_<member>):
  // bounded slots, read as targets at the record's end. Targets and properties past them are not
  // read (docs/RULES.md "Known limits").
  static constexpr uint32_t kNumberedTargets = 8;
  static constexpr uint32_t kNumberedProperties = 16;
  struct NumberedProperty {
    std::string_view name, old_value, new_value;
  };
  struct NumberedTarget {
    TargetViews views;
    uint32_t properties = 0;  // bit j: property j named
    NumberedProperty property[kNumberedProperties];
  };
  NumberedTarget numbered_[kNumberedTargets];
  uint32_t numbered_targets_ = 0;  // bit i: numbered_[i] named in this record
  // additionalDetails_<i>_key / _value, likewise.
  static constexpr uint32_t kNumberedDetails = 16;
  struct NumberedDetail {
    std::string_view key, value;
  };
  NumberedDetail numbered_details_[kNumberedDetails];
  uint32_t numbered_detail_bits_ = 0;  // bit i: numbered_details_[i] named in this record
};

}  // namespace privmon::parsers
