use gilcheck::claim::*;
#[test]
fn scratch() {
    for c in ["always running_tasks <= 1", "alway running_tasks <= 1", "always holds_gill(t1)", "always now", "always now 3", "running_tasks <= 1",
      "always holds_gil", "always holds_gil(3)", "always now(3) > 1", "always (now + 1 > 2", "always now >= 3)", "always a", "max gil_free", "max now when", "max now 3",
      "always 1 < now < 3", "always gil_free + 1 > 2", "always now >= -3", "always now >= !gil_free", "sometimes", "", "foo bar", "holds_gill(t1) leads_to x",
      "done(a) leadsto done(b)", "always a & b", "always é", "always 99999999999999999999 > now", "always (gil_free) && (now + 1) > 2 -> !(all_done)", "always done(a) || (now"] {
        println!("{c:40} => {:?}", parse_check(c).map(|c| c.to_string()));
    }
    let src = "[[claims]]\nid = \"a\"\nquote = \"q\"\nsource = \"s\"\nmodels = [\"x\"]\ncheck = \"always holds_gill(t1)\"\nexpect = \"holds\"\nd = 1979-05-27\n";
    println!("{:?}", parse_claim_file(std::path::Path::new("p.toml"), src).map_err(|e| e.to_string()));
    let src = "[[claims]]\nid = 1979-05-27\n";
    println!("{:?}", parse_claim_file(std::path::Path::new("p.toml"), src).map_err(|e| e.to_string()));
    let src = "[[claims]]\nid = \"a\"\nquote = \"q\"\nsource = \"s\"\nmodels = [\"x\"]\ncheck = \"always gil_free\"\nexpect = { \"3.13t\" = \"refuted\", \"3.11\" = \"holds\" }\n";
    println!("{:?}", parse_claim_file(std::path::Path::new("p.toml"), src).map(|c| (c[0].variants.clone(), c[0].check_line, c[0].check_col)));
}
