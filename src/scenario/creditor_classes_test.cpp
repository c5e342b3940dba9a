// `creditor_classes` (docs/scenario.md, Counterparties): the class of lenders outside the
// scenario, with its checks, and how imports carry it.
#include <gtest/gtest.h>

#include <string>

#include "scenario/loader.h"
#include "scenario/scenario.h"

namespace tinderbox {
namespace {

CreditorClass class_of(const Scenario& s, const std::string& name) {
  int entity = -1;
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    if (s.entities[i].id == name) entity = static_cast<int>(i);
  return creditor_class(s, Party{name, entity});
}

std::string errors_of(const std::string& text) {
  const LoadResult r = load_scenario_text(text, "main.yaml", ".");
  std::string out;
  for (const Diagnostic& d : r.errors) out += d.str() + "\n";
  return out;
}

// A scenario on top of a built-in, from its start, with `extra` (its own keys) after the header.
std::string on(const std::string& builtin, const std::string& extra) {
  const std::string start = builtin == "coreweave-2025h2" ? "2025-07-01" : "2025-01-01";
  return "tinderbox: 1\nname: t\nstart: " + start + "\nhorizon: 12\nimport: [" + builtin + "]\n" +
         extra;
}

TEST(CreditorClasses, TheBuiltinNamesCoreWeavesPrivateCreditAndBankLenders) {
  const LoadResult r = load_scenario("coreweave-2025");
  ASSERT_TRUE(r.scenario);
  const Scenario& s = *r.scenario;
  EXPECT_EQ(class_of(s, "blackstone"), CreditorClass::PrivateCredit);
  EXPECT_EQ(class_of(s, "magnetar"), CreditorClass::PrivateCredit);
  EXPECT_EQ(class_of(s, "revolver_banks"), CreditorClass::Bank);
  EXPECT_EQ(class_of(s, "ddtl3_lenders"), CreditorClass::Bank);
  EXPECT_EQ(class_of(s, "noteholders_2030"), CreditorClass::Other);  // not listed
  EXPECT_EQ(class_of(s, "nobody_at_all"), CreditorClass::Other);
}

TEST(CreditorClasses, AFileChangesAndRemovesImportedClasses) {
  const LoadResult r = load_scenario_text(
      on("coreweave-2025", "creditor_classes: {blackstone: , noteholders_2030: insurer}\n"),
      "main.yaml", ".");
  ASSERT_TRUE(r.scenario) << (r.errors.empty() ? "" : r.errors[0].str());
  EXPECT_EQ(class_of(*r.scenario, "blackstone"), CreditorClass::Other);  // removed
  EXPECT_EQ(class_of(*r.scenario, "magnetar"), CreditorClass::PrivateCredit);
  EXPECT_EQ(class_of(*r.scenario, "noteholders_2030"), CreditorClass::Insurer);
}

TEST(CreditorClasses, ANameMustLendUnlessItComesFromAnImport) {
  // coreweave-2025h2 removes DDTL 3.0's spv, so ddtl3_lenders (classed in the imported
  // coreweave-facilities.yaml) lends nothing there: that is no error...
  EXPECT_TRUE(load_scenario("coreweave-2025h2").scenario);
  // ...but written in the scenario's own file it is, as is a misspelt lender.
  EXPECT_EQ(errors_of(on("coreweave-2025h2",
                         "creditor_classes:\n  ddtl3_lenders: bank\n  blackstne: pension\n")),
            "main.yaml:7:3: error: 'ddtl3_lenders' lends to no debt of the scenario\n"
            "main.yaml:8:3: error: 'blackstne' lends to no debt of the scenario (did you mean "
            "'blackstone'?)\n");
}

TEST(CreditorClasses, AnUnknownClassIsAnError) {
  EXPECT_EQ(errors_of(on("coreweave-2025", "creditor_classes: {revolver_banks: banc}\n")),
            "main.yaml:6:36: error: unknown creditor class 'banc' (did you mean 'bank'?)\n");
  EXPECT_EQ(errors_of(on("coreweave-2025", "creditor_classes: {revolver_banks: hedge_fund}\n")),
            "main.yaml:6:36: error: unknown creditor class 'hedge_fund' (expected one of: "
            "private_credit bank insurer pension other)\n");
  EXPECT_EQ(errors_of(on("coreweave-2025", "creditor_classes: [blackstone]\n")),
            "main.yaml:6:19: error: expected a mapping for 'creditor_classes', got a list\n");
}

TEST(CreditorClasses, AnEntitysClassFollowsFromItsKind) {
  // In ai-web-2025 blackstone is a fund entity: the imported `private_credit` agrees with its
  // kind; another class does not.
  EXPECT_TRUE(load_scenario("ai-web-2025").scenario);
  EXPECT_EQ(errors_of(on("ai-web-2025", "creditor_classes: {blackstone: bank}\n")),
            "main.yaml:6:32: error: 'blackstone' is an entity of kind fund, whose losses are class "
            "private_credit, not bank (an entity's class follows from its kind)\n");
}

}  // namespace
}  // namespace tinderbox
