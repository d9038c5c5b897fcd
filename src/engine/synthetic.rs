//! Deterministic synthetic inputs for benchmarks and load tests: a lexicon of
//! N invented terms and a corpus of portal-style articles.
//!
//! Contract: the same arguments always give byte-identical output (a fixed
//! xorshift generator, no clock, no OS randomness), so benchmark numbers from
//! different runs and tools (criterion, ripgrep, hyperfine) see the same data.

use super::lexicon::LexiconSource;
use std::collections::HashSet;
use std::fmt::Write;

/// Small, fast, deterministic PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Common characters of government prose: invented terms built from them are
/// plausible enough to give the automaton real work (shared prefixes, many
/// near misses) on the synthetic corpus.
const TERM_CHARS: &str = "国家工作部门单位管理发展建设安全保密信息系统项目计划方案资金财政\
    规划城市农村交通水利能源科技教育卫生健康文化旅游生态环境应急消防公共服务数据平台网络\
    中心工程基地专项重点改革创新监督检查考核评估审批许可登记备案统计调查报告会议纪要通知";

/// The `count` invented terms of the synthetic lexicon, in order.
pub fn terms(count: usize, seed: u64) -> Vec<String> {
    let chars: Vec<char> = TERM_CHARS.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let len = 3 + rng.below(4);
        let term: String = (0..len).map(|_| chars[rng.below(chars.len())]).collect();
        if seen.insert(term.clone()) {
            out.push(term);
        }
    }
    out
}

/// A lexicon file with `count` register entries, one per synthetic term; a
/// quarter of them ask for word boundaries so that benchmarks exercise jieba.
pub fn lexicon_source(count: usize, seed: u64) -> LexiconSource {
    let mut text =
        String::from("# Synthetic benchmark lexicon: invented terms, not real titles.\n");
    for (i, term) in terms(count, seed).iter().enumerate() {
        let boundary = if i % 4 == 0 { "word" } else { "none" };
        let _ = write!(
            text,
            "\n[[entry]]\nid = \"syn-{i:05}\"\ncategory = \"register\"\nseverity = \"review\"\n\
             text = \"{term}\"\nboundary = \"{boundary}\"\nreason = \"synthetic\"\n\
             examples.hit = [\"{term}\"]\nexamples.miss = [\"天气晴朗\"]\n"
        );
    }
    LexiconSource {
        name: format!("synthetic-{count}.toml"),
        text,
    }
}

/// Sentences of the kind portals publish every day (written for this
/// project). The corpus is made of these, shuffled, with synthetic terms and
/// a few personal-data lines mixed in.
const SENTENCES: &[&str] = &[
    "为深入贯彻落实党中央、国务院决策部署，进一步优化营商环境，市政府召开常务会议研究部署相关工作。",
    "会议强调，各部门要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。",
    "今年以来，我区持续推进城乡环境综合整治，累计改造老旧小区四十二个，惠及居民一万余户。",
    "市教育局组织开展中小学安全教育周活动，邀请消防、交警等部门进校园开展专题讲座。",
    "根据《中华人民共和国政府信息公开条例》，现将本机关二〇二五年度政府信息公开工作情况报告如下。",
    "本年度共收到政府信息公开申请一百二十件，均在法定期限内予以答复。",
    "县农业农村局组织技术人员深入田间地头，指导农户做好秋收秋种和病虫害防治工作。",
    "市场监管部门开展食品安全专项检查，检查生产经营主体三百余家，责令整改十七家。",
    "全市公共图书馆延长开放时间，周末及节假日开放至晚上九点，方便市民阅读学习。",
    "区卫生健康委提醒广大市民，秋冬季是呼吸道传染病高发季节，请注意个人防护。",
    "我局认真开展保密宣传教育月活动，组织全体干部职工学习保密法律法规，增强保密意识。",
    "各单位要严格落实信息发布保密审查制度，坚持先审查后公开、谁发布谁负责。",
    "市人力资源和社会保障局发布公告，公开招聘事业单位工作人员，报名时间为十一月一日至十日。",
    "交通运输部门对辖区内国省干线公路开展隐患排查，及时修复破损路面和交通标志。",
    "本项目总投资约三点五亿元，建成后将有效缓解城区交通拥堵，提升通行效率。",
    "政务服务中心推行一窗受理、集成服务，企业开办时间压缩至一个工作日以内。",
    "咨询电话：0371-12345678，政务服务便民热线：12345。",
    "欢迎社会各界对本次征求意见稿提出宝贵意见，意见反馈截止时间为十二月三十一日。",
    "会议听取了关于全市安全生产工作情况的汇报，研究部署下一阶段重点任务。",
    "全县共发放惠民补贴资金八千余万元，全部通过一卡通系统直接发放到户。",
    "生态环境局持续开展大气污染防治攻坚行动，全市空气质量优良天数比例同比提高。",
    "文化和旅游部门推出冬季文旅消费季系列活动，丰富群众精神文化生活。",
    "应急管理局组织开展防汛应急演练，检验各部门协同处置能力。",
    "统计数据显示，前三季度全市地区生产总值同比增长百分之五点二。",
];

/// About `bytes` bytes of articles, each a few paragraphs long; every
/// `term_every`-th sentence carries one of `terms` (if any).
pub fn corpus(bytes: usize, terms: &[String], term_every: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(bytes + 1024);
    let mut n = 0usize;
    while out.len() < bytes {
        let paragraph_len = 3 + rng.below(5);
        for _ in 0..paragraph_len {
            let sentence = SENTENCES[rng.below(SENTENCES.len())];
            n += 1;
            if term_every > 0 && !terms.is_empty() && n.is_multiple_of(term_every) {
                let term = &terms[rng.below(terms.len())];
                let cut = sentence
                    .char_indices()
                    .nth(sentence.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                out.push_str(&sentence[..cut]);
                out.push_str(term);
                out.push_str(&sentence[cut..]);
            } else {
                out.push_str(sentence);
            }
        }
        out.push('\n');
    }
    out
}

/// One article of about `bytes` bytes (10 KB in the benchmarks).
pub fn article(bytes: usize, terms: &[String], seed: u64) -> String {
    corpus(bytes, terms, 40, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_sized() {
        assert_eq!(terms(100, 7), terms(100, 7));
        assert_ne!(terms(100, 7), terms(100, 8));
        let t = terms(50, 1);
        let a = corpus(20_000, &t, 10, 3);
        assert_eq!(a, corpus(20_000, &t, 10, 3));
        assert!(a.len() >= 20_000 && a.len() < 22_000, "{}", a.len());
        assert!(t.iter().any(|term| a.contains(term.as_str())));
    }
}
