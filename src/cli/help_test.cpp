// The layout of `tinderbox help` (cli/help.h); every expected table is laid out by hand in the
// comments: "  tinderbox " is 12 columns, a help beside its usage starts at column 32.
#include "cli/help.h"

#include <gtest/gtest.h>

#include <vector>

namespace tinderbox {
namespace {

std::string table(std::vector<HelpEntry> entries, std::size_t width = kHelpWidth) {
  return help_table(entries, width);
}

TEST(Help, AShortUsageHasItsHelpBesideIt) {
  // "  tinderbox scenarios" is 21 columns: 11 spaces to column 32.
  EXPECT_EQ(table({{"scenarios", "list the built-in scenarios"}}),
            "  tinderbox scenarios" + std::string(11, ' ') + "list the built-in scenarios\n");
  // Bare `tinderbox`: 11 columns, 21 spaces.
  EXPECT_EQ(table({{"", "same as `tinderbox run`"}}),
            "  tinderbox" + std::string(21, ' ') + "same as `tinderbox run`\n");
}

TEST(Help, ALongUsageHasItsHelpOnTheNextLine) {
  EXPECT_EQ(table({{"report --db FILE [RUN [RUN]] -o FILE.html", "write a report"}}),
            "  tinderbox report --db FILE [RUN [RUN]] -o FILE.html\n"
            "      write a report\n");
}

TEST(Help, TwoSpacesBeforeTheColumnDecide) {
  // 12 + 18 = 30: two spaces left before column 32. 12 + 19 = 31: one, too few.
  EXPECT_EQ(table({{"validate FILE12345", "h"}}), "  tinderbox validate FILE12345  h\n");
  EXPECT_EQ(table({{"validate FILE123456", "h"}}), "  tinderbox validate FILE123456\n      h\n");
}

TEST(Help, AUsageWrapsBetweenFlagsUnderItsFirstFlag) {
  // Width 40. "  tinderbox simulate [SCENARIO]" ends at 31; " --paths N" would end at 41, so
  // it starts a line at 12 + len("simulate ") = 21 and ends at 30; " [--seed S]" would end at
  // 41: a line of its own, ending at 31; " [--json]" ends at 40, on that line. A flag keeps its
  // value and a bracket its contents.
  EXPECT_EQ(table({{"simulate [SCENARIO] --paths N [--seed S] [--json]", "h"}}, 40),
            "  tinderbox simulate [SCENARIO]\n"
            "                     --paths N\n"
            "                     [--seed S] [--json]\n"
            "      h\n");
}

TEST(Help, AHelpWrapsInItsOwnColumn) {
  // Width 30. The usage breaks before "-o FILE.html" (it would end at 41) and goes on at
  // 12 + len("report ") = 19; the help below starts at 6: "write an offline HTML" ends at 27,
  // " report" would end at 34.
  EXPECT_EQ(table({{"report --db FILE -o FILE.html", "write an offline HTML report of a run"}}, 30),
            "  tinderbox report --db FILE\n"
            "                   -o FILE.html\n"
            "      write an offline HTML\n"
            "      report of a run\n");
  // Width 50, beside: "show this list of" ends at 49; " every" would end at 55.
  EXPECT_EQ(table({{"help", "show this list of every command there is"}}, 50),
            "  tinderbox help" + std::string(16, ' ') + "show this list of\n" +
                std::string(32, ' ') + "every command\n" + std::string(32, ' ') + "there is\n");
}

TEST(Help, EveryEntryInOrder) {
  EXPECT_EQ(table({{"a", "first"}, {"b --long-flag FILE [--another-one X] [--and-more Y]", "second"}}),
            "  tinderbox a" + std::string(19, ' ') + "first\n"
            "  tinderbox b --long-flag FILE [--another-one X] [--and-more Y]\n"
            "      second\n");
}

}  // namespace
}  // namespace tinderbox
