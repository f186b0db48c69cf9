import { describe, expect, it } from "vitest";
import { checkEmailList, ProblemCollector } from "../src";

const problemsOf = (emails: unknown, productionReason?: string) => {
  const p = new ProblemCollector("test");
  checkEmailList(p, "x.emails", emails, productionReason);
  return p.problems.map((problem) => [problem.field, problem.allowed]);
};

describe("checkEmailList", () => {
  it("accepts distinct addresses, and an empty list outside production", () => {
    expect(problemsOf(["a@example.com", "b@example.org"])).toEqual([]);
    expect(problemsOf([])).toEqual([]);
  });

  it("names the element that is not an address or repeats an earlier one", () => {
    expect(problemsOf(["a@example.com", "not-an-address", "a@example.com", 3])).toEqual([
      ["x.emails[1]", "an email address such as platform-team@example.com"],
      ["x.emails[2]", "an address not listed before (x.emails[0]): each address is one subscription"],
      ["x.emails[3]", "an email address such as platform-team@example.com"],
    ]);
  });

  it("refuses a value that is not a list", () => {
    expect(problemsOf("a@example.com")).toEqual([["x.emails", 'a list of email addresses, each listed once, e.g. ["platform-team@example.com"]']]);
  });

  it("requires one address when a production reason is given, and says why", () => {
    expect(problemsOf([], "someone must hear of it")).toEqual([["x.emails", "at least one email address in production: someone must hear of it"]]);
    expect(problemsOf(["a@example.com"], "someone must hear of it")).toEqual([]);
  });
});
