//! What a pattern's syntax proves about its matches, for the candidate search.
//!
//! Contract: [`every_match_contains`] returns true only when every string the
//! pattern can match contains one of the given literals (it may say false for
//! a pattern where that holds in a way it cannot see: the loader then asks the
//! author to list a literal it can see). [`match_radius`] is the longest
//! match in bytes, when the pattern has one and looks at nothing after a
//! position (only `^`/`\A`, which a search from inside the text still reads
//! right: the text before the window is there).
//! [`search_plan`] picks the literals candidates search for a pattern: the
//! author's prefilter, or a required piece of the pattern whose strings are
//! longer (rarer), with how far a match can reach before and after it.
//!
//! Why: candidates run a pattern only near its prefilter literals. A pattern
//! branch without one (`精神病患者|肇事肇祸` with prefilter `精神`) is silently
//! never searched where only that branch occurs; the loader refuses it instead.

use regex_syntax::hir::{Hir, HirKind, Look, LookSet};

/// Windows wider than this are no cheaper than the whole text.
const MAX_RADIUS: usize = 4096;

/// Whether every match of `pattern` contains one of `literals` (normalized
/// text), as far as its literal pieces show.
pub fn every_match_contains(pattern: &str, literals: &[String]) -> bool {
    match regex_syntax::Parser::new().parse(pattern) {
        Ok(hir) => proves(&hir, literals),
        Err(_) => false,
    }
}

/// The longest match of `pattern` in bytes, if it has one no longer than
/// [`MAX_RADIUS`] and no look-around but the start anchors (a window cut
/// cannot change its matches: a window's search starts inside the whole
/// text, which `^` still sees, and `$` or `\b` could see the cut end).
pub fn match_radius(pattern: &str) -> Option<usize> {
    radius_of(&regex_syntax::Parser::new().parse(pattern).ok()?)
}

fn radius_of(hir: &Hir) -> Option<usize> {
    let props = hir.properties();
    let looking_back = LookSet::empty()
        .insert(Look::Start)
        .insert(Look::StartLF)
        .insert(Look::StartCRLF);
    if !props.look_set().subtract(looking_back).is_empty() {
        return None;
    }
    props.maximum_len().filter(|&n| n <= MAX_RADIUS)
}

/// How candidates find a pattern's matches: occurrences of `literals`, then
/// the regex in `[hit.start - lead, hit.end + trail]`. Every match contains
/// an occurrence of one literal at most `lead` bytes after its start and
/// at most `trail` bytes before its end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SearchPlan {
    pub literals: Vec<String>,
    pub lead: usize,
    pub trail: usize,
    /// Other required pieces (each a set of strings of two chars or more):
    /// every match holds one string of each, so a window without them
    /// cannot hold a match and is not searched.
    pub also: Vec<Vec<String>>,
}

/// The plan for a pattern the loader accepted with `prefilter`, if its
/// matches have a bounded length (else it runs over the whole text once
/// the prefilter fires). A required run of top-level parts that matches
/// only a few strings, none shorter than the shortest prefilter literal,
/// wins: `(本|此|该)(件|文件)[^。]{0,12}(不得|严禁)(公开|上网)` searches
/// for 不得公开/严禁上网… (rare) instead of 本/此/该 (in every sentence),
/// with lead and trail from the parts around; the other required parts go
/// in `also`. A top-level alternation plans each branch and takes the union.
pub fn search_plan(pattern: &str, prefilter: &[String]) -> Option<SearchPlan> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let radius = radius_of(&hir)?;
    let author = SearchPlan {
        literals: prefilter.to_vec(),
        lead: radius,
        trail: radius,
        also: Vec::new(),
    };
    let author_score = prefilter
        .iter()
        .map(|l| l.chars().count())
        .min()
        .unwrap_or(0);
    Some(match plan_of(&hir) {
        // A tie goes to the pattern's own plan: its literals are as rare,
        // and it brings exact lead and trail and the other required parts.
        Some((score, plan)) if score >= author_score => plan,
        _ => author,
    })
}

/// A piece of a pattern every match holds: its strings, the shortest in
/// chars, how long the pattern may run before and after it, and how many
/// top-level parts it spans (more parts: rarer text at the same length).
struct Piece {
    strings: Vec<String>,
    shortest: usize,
    parts: usize,
    lead: usize,
    trail: usize,
}

/// The best plan `hir` allows by its own pieces, with its score (the
/// shortest literal it searches for, in chars).
fn plan_of(hir: &Hir) -> Option<(usize, SearchPlan)> {
    match hir.kind() {
        HirKind::Capture(cap) => plan_of(&cap.sub),
        // Every match is a match of one branch: the union of the branches'
        // literals, with the widest reach of any.
        HirKind::Alternation(branches) => {
            let plans: Option<Vec<(usize, SearchPlan)>> = branches.iter().map(plan_of).collect();
            let plans = plans?;
            let score = plans.iter().map(|p| p.0).min()?;
            let mut literals: Vec<String> = Vec::new();
            for (_, plan) in &plans {
                for l in &plan.literals {
                    if !literals.contains(l) {
                        literals.push(l.clone());
                    }
                }
            }
            let plan = SearchPlan {
                literals,
                lead: plans.iter().map(|p| p.1.lead).max()?,
                trail: plans.iter().map(|p| p.1.trail).max()?,
                also: Vec::new(),
            };
            Some((score, plan))
        }
        HirKind::Concat(parts) => {
            let lens: Option<Vec<usize>> =
                parts.iter().map(|p| p.properties().maximum_len()).collect();
            let lens = lens?;
            let mut pieces: Vec<Piece> = Vec::new();
            for from in 0..parts.len() {
                let mut run: Vec<Vec<u8>> = vec![Vec::new()];
                for to in from + 1..=parts.len() {
                    let Some(next) = strings(&parts[to - 1]).and_then(|n| product(&run, &n)) else {
                        break;
                    };
                    run = next;
                    if let Some(piece) = piece(&run, to - from, &lens, from, to) {
                        pieces.push(piece);
                    }
                }
            }
            let lead = pieces
                .iter()
                .max_by_key(|p| (p.shortest, p.parts, p.strings.len() == 1))?;
            let (score, literals, lead_by, trail_by) =
                (lead.shortest, lead.strings.clone(), lead.lead, lead.trail);
            // Other single parts of two chars or more must be there too.
            let mut others: Vec<&Piece> = pieces
                .iter()
                .filter(|p| p.parts == 1 && p.shortest >= 2 && p.strings != literals)
                .filter(|p| {
                    !p.strings
                        .iter()
                        .all(|s| literals.iter().any(|l| l.contains(s.as_str())))
                })
                .collect();
            others.sort_by_key(|p| std::cmp::Reverse(p.shortest));
            let also = others
                .into_iter()
                .take(2)
                .map(|p| p.strings.clone())
                .collect();
            Some((
                score,
                SearchPlan {
                    literals,
                    lead: lead_by,
                    trail: trail_by,
                    also,
                },
            ))
        }
        _ => {
            let all = strings(hir)?;
            let piece = piece(&all, 1, &[0], 0, 1)?;
            let plan = SearchPlan {
                literals: piece.strings,
                lead: 0,
                trail: 0,
                also: Vec::new(),
            };
            Some((piece.shortest, plan))
        }
    }
}

/// The piece for the strings of parts `from..to`, unless one is empty (an
/// optional part is not in every match) or not text.
fn piece(all: &[Vec<u8>], parts: usize, lens: &[usize], from: usize, to: usize) -> Option<Piece> {
    if all.iter().any(Vec::is_empty) {
        return None;
    }
    let strings: Option<Vec<String>> = all
        .iter()
        .map(|t| String::from_utf8(t.clone()).ok())
        .collect();
    let strings = strings?;
    Some(Piece {
        shortest: strings.iter().map(|s| s.chars().count()).min()?,
        strings,
        parts,
        lead: lens[..from].iter().sum(),
        trail: lens[to..].iter().sum(),
    })
}

fn proves(hir: &Hir, literals: &[String]) -> bool {
    if strings(hir).is_some_and(|all| all.iter().all(|t| contains_one(t, literals))) {
        return true;
    }
    match hir.kind() {
        HirKind::Capture(cap) => proves(&cap.sub, literals),
        HirKind::Repetition(rep) => rep.min >= 1 && proves(&rep.sub, literals),
        HirKind::Alternation(branches) => branches.iter().all(|b| proves(b, literals)),
        // One required part proves it, or a run of parts that each match a
        // few strings: `1[3-9]` is 13..19, `被(谈话|询问)` is two strings.
        HirKind::Concat(parts) => {
            parts.iter().any(|p| proves(p, literals))
                || (0..parts.len()).any(|from| run_proves(&parts[from..], literals))
        }
        HirKind::Literal(_) | HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// Whether the strings of the parts from the first on, joined, all contain
/// a literal before the enumeration grows too large.
fn run_proves(parts: &[Hir], literals: &[String]) -> bool {
    let mut run: Vec<Vec<u8>> = vec![Vec::new()];
    for part in parts {
        let Some(joined) = strings(part).and_then(|next| product(&run, &next)) else {
            return false;
        };
        run = joined;
        if run.iter().all(|t| contains_one(t, literals)) {
            return true;
        }
    }
    false
}

/// At most this many strings are enumerated for one piece of a pattern.
const MAX_STRINGS: usize = 1024;

/// Every string `hir` matches, when they are few: literal text, small
/// classes, alternations and concatenations of those, optional parts.
fn strings(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let out = match hir.kind() {
        HirKind::Empty => vec![Vec::new()],
        HirKind::Literal(lit) => vec![lit.0.to_vec()],
        HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => {
            let mut all = Vec::new();
            for range in class.ranges() {
                for c in range.start()..=range.end() {
                    all.push(c.to_string().into_bytes());
                    if all.len() > MAX_STRINGS {
                        return None;
                    }
                }
            }
            all
        }
        HirKind::Class(regex_syntax::hir::Class::Bytes(_)) | HirKind::Look(_) => return None,
        HirKind::Capture(cap) => strings(&cap.sub)?,
        HirKind::Repetition(rep) if rep.max == Some(1) => {
            let mut all = strings(&rep.sub)?;
            if rep.min == 0 {
                all.push(Vec::new());
            }
            all
        }
        HirKind::Repetition(_) => return None,
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(strings(branch)?);
                if all.len() > MAX_STRINGS {
                    return None;
                }
            }
            all
        }
        HirKind::Concat(parts) => parts
            .iter()
            .try_fold(vec![Vec::new()], |run, p| product(&run, &strings(p)?))?,
    };
    Some(out)
}

fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len() * right.len() > MAX_STRINGS {
        return None;
    }
    Some(
        left.iter()
            .flat_map(|l| right.iter().map(move |r| [l.as_slice(), r].concat()))
            .collect(),
    )
}

fn contains_one(bytes: &[u8], literals: &[String]) -> bool {
    literals.iter().any(|l| {
        let l = l.as_bytes();
        !l.is_empty() && bytes.windows(l.len()).any(|w| w == l)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_branch_without_a_literal_is_not_proved() {
        assert!(every_match_contains(
            "(精神病患者|精神障碍)",
            &lits(&["精神"])
        ));
        assert!(!every_match_contains(
            "(精神病患者|肇事肇祸)",
            &lits(&["精神"])
        ));
        assert!(every_match_contains(
            "(精神病患者|肇事肇祸)",
            &lits(&["精神", "肇事"])
        ));
    }

    #[test]
    fn required_pieces_prove_and_optional_ones_do_not() {
        assert!(every_match_contains(
            r"密码[:：]?\s*\S{4,}",
            &lits(&["密码"])
        ));
        assert!(!every_match_contains(r"(密码)?[a-z]{4}", &lits(&["密码"])));
        assert!(every_match_contains(r"(标底){1,2}\d+", &lits(&["标底"])));
        assert!(!every_match_contains(r"(标底)*\d+", &lits(&["标底"])));
        assert!(!every_match_contains(r"[a-z]+", &lits(&["a"])));
        assert!(every_match_contains("(机)(密)", &lits(&["机密"])));
        let mobiles = lits(&["13", "15", "14", "16", "17", "18", "19"]);
        assert!(every_match_contains(r"1[3-9]\d{9}", &mobiles));
        assert!(!every_match_contains(r"1[3-9]\d{9}", &lits(&["13", "15"])));
        assert!(every_match_contains(
            "被(谈话|询问)人",
            &lits(&["被谈话", "被询问"])
        ));
        assert!(every_match_contains(r"x[!@]y", &lits(&["!", "@"])));
    }

    #[test]
    fn the_plan_searches_the_rarest_required_piece() {
        let demonstratives = lits(&["本", "此", "该"]);
        let plan = search_plan(
            "(本|此|该)(件|文件)[^。]{0,2}(不得|严禁)(公开|上网)",
            &demonstratives,
        )
        .unwrap();
        assert_eq!(
            plan.literals,
            lits(&["不得公开", "不得上网", "严禁公开", "严禁上网"])
        );
        // 文件 (6) before, up to two chars of 4 bytes, 本/此/该 (3).
        assert_eq!((plan.lead, plan.trail), (3 + 6 + 8, 0));
        assert!(plan.also.is_empty(), "{:?}", plan.also);
        // Two parts apart: the pair 本件/此文件… leads, the others must be
        // in the window too.
        let plan = search_plan(
            "(本|此|该)(件|文件)[^。]{0,2}(不得|严禁)[^。]{0,2}(公开|上网)",
            &demonstratives,
        )
        .unwrap();
        assert_eq!(plan.literals.len(), 6);
        assert!(plan.literals.contains(&"此文件".to_string()));
        assert_eq!((plan.lead, plan.trail), (0, 8 + 6 + 8 + 6));
        assert_eq!(
            plan.also,
            vec![lits(&["不得", "严禁"]), lits(&["公开", "上网"])]
        );
        // Nothing longer than the author's literal: the same literal, with
        // the pattern's exact reach instead of its radius either side.
        let plan = search_plan(r"标底[0-9]{1,4}", &lits(&["标底"])).unwrap();
        assert_eq!(plan.literals, lits(&["标底"]));
        assert_eq!((plan.lead, plan.trail), (0, 4));
        // And the pattern's other required parts: `现将` alone would open a
        // window in every notice that 现将…印发.
        let plan = search_plan(
            "现将[^。]{0,9}(试题|答案)[^。]{0,9}(印发|下发)",
            &lits(&["现将"]),
        )
        .unwrap();
        assert_eq!(plan.literals, lits(&["现将"]));
        assert_eq!(
            plan.also,
            vec![lits(&["试题", "答案"]), lits(&["印发", "下发"])]
        );
        // An optional piece is never a literal on its own, only in a run
        // with a required one; unbounded patterns have no plan.
        let plan = search_plan("(机密)?(文件)", &lits(&["文件"])).unwrap();
        assert_eq!(plan.literals, lits(&["机密文件", "文件"]));
        assert_eq!((plan.lead, plan.trail), (0, 0));
        assert_eq!(search_plan(r"密码\S+", &lits(&["密码"])), None);
        // A pure alternation is its own strings, found exactly.
        let plan = search_plan("(精神病患者|肇事肇祸)", &lits(&["精神", "肇事"])).unwrap();
        assert_eq!(plan.literals, lits(&["精神病患者", "肇事肇祸"]));
        assert_eq!((plan.lead, plan.trail), (0, 0));
        // Branches: the union, with the widest reach.
        let plan = search_plan(
            "(本)(通知)[0-9]?不得公开|仅供内部[0-9]{0,3}参考",
            &lits(&["本", "仅供"]),
        )
        .unwrap();
        // 本通知 + an optional digit + 不得公开: 11 strings, and 仅供内部.
        assert_eq!(plan.literals.len(), 12, "{:?}", plan.literals);
        assert!(plan.literals.contains(&"本通知不得公开".to_string()));
        assert!(plan.literals.contains(&"本通知7不得公开".to_string()));
        assert!(plan.literals.contains(&"仅供内部".to_string()));
        assert_eq!((plan.lead, plan.trail), (0, 3 + 6));
    }

    #[test]
    fn radius_is_the_longest_match_in_bytes() {
        assert_eq!(match_radius("机密"), Some(6));
        assert_eq!(match_radius("[0-9]{3}"), Some(3));
        // `\d` is every Unicode digit: up to four bytes each.
        assert_eq!(match_radius(r"\d{3}"), Some(12));
        assert_eq!(match_radius(r"密码\S+"), None);
        assert_eq!(match_radius(r"(?m)^机密"), Some(6));
        assert_eq!(match_radius(r"(?:^|\s)机密"), Some(3 + 6));
        assert_eq!(match_radius(r"机密$"), None);
        assert_eq!(match_radius(r"(?m)机密$"), None);
    }
}
