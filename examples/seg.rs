fn main() {
    let j = jieba_rs::Jieba::new();
    for s in std::env::args().skip(1) {
        println!("{:?}", j.cut(&s, true).iter().map(|t| t.word).collect::<Vec<_>>());
    }
}
