//! Tests of [`super`]: folding, noise, numerals and the offset map.

use super::*;

#[test]
fn folds_width_case_script_and_invisibles() {
    for (input, want) in [
        ("ＡＢＣ１", "abc1"),
        ("機密", "机密"),
        ("絕密", "绝密"),
        ("祕密", "秘密"),
        ("內部資料", "内部资料"),
        ("绝\u{200B}密", "绝密"),
        ("机\u{202E}密", "机密"),
        ("⽂件", "文件"),
    ] {
        assert_eq!(normalize(input).text, want, "input: {input:?}");
    }
}

#[test]
fn drops_noise_between_dense_chars_only() {
    for (input, want) in [
        ("机 密 ★ 1 年", "机密★1年"),
        ("机\n密\n★\n1\n年", "机密★1年"),
        ("机\u{3000}密", "机密"),
        ("机·密", "机密"),
        ("机_密", "机密"),
        ("机*密", "机密"),
        ("机密*1年", "机密★1年"),
        ("138****5678", "138★★★★5678"),
        ("0371 12345678", "0371 12345678"),
        ("hello  world", "hello world"),
        ("第一段。\n第二段", "第一段。\n第二段"),
        // Filler punctuation between ideographs is what the reader
        // skips; elsewhere it is itself.
        ("机@密★1年", "机密★1年"),
        ("机.密★1年", "机密★1年"),
        ("机/密★1年", "机密★1年"),
        ("机 . 密", "机密"),
        ("192.168.1.1", "192.168.1.1"),
        ("admin@example.gov.cn", "admin@example.gov.cn"),
        ("1/2", "1/2"),
        ("a , b", "a , b"),
        ("数据 / 2025", "数据 / 2025"),
    ] {
        assert_eq!(normalize(input).text, want, "input: {input:?}");
    }
}

#[test]
fn reads_star_lookalikes_and_numeral_periods() {
    for (input, want) in [
        ("机密☆1年", "机密★1年"),
        ("机密※1年", "机密★1年"),
        ("机密✩1年", "机密★1年"),
        ("机密✭1年", "机密★1年"),
        ("秘密★六个月", "秘密★6个月"),
        ("机密★一年", "机密★1年"),
        ("机密★十二个月", "机密★12个月"),
        ("机密★二十年", "机密★20年"),
        ("机密★二〇三〇年12月31日", "机密★2030年12月31日"),
        ("机密★二〇三〇年十二月三十一日", "机密★2030年12月31日"),
        ("机密★2030年十二月三十一日", "机密★2030年12月31日"),
        ("秘密★二〇三〇年 十二月", "秘密★2030年12月"),
        ("十二月三十一日召开", "十二月三十一日召开"),
        ("机密★1年，十二月召开", "机密★1年,十二月召开"),
        ("一年一度", "一年一度"),
    ] {
        assert_eq!(normalize(input).text, want, "input: {input:?}");
    }
}

#[test]
fn maps_every_char_back_to_the_input() {
    let input = "😀机 密★一年\u{200B}内部";
    let n = normalize(input);
    assert_eq!(n.text, "😀机密★1年内部");
    let star = n.text.find('★').unwrap();
    let one = star + '★'.len_utf8();
    let span = n.map.source_range(one..one + 1);
    assert_eq!(&input[span], "一");
    let whole = n.map.source_range(0..n.text.len());
    assert_eq!(
        &input[whole],
        input.trim_end_matches("内部").to_string() + "内部"
    );
    let mi = n.text.find('密').unwrap();
    assert_eq!(&input[n.map.source_range(0..mi + 3)], "😀机 密");
}

#[test]
fn is_idempotent() {
    for input in [
        "机 密 ★ 一 年",
        "內部資料\n注意保存",
        "AKIA ＡＢＣ",
        "138****5678",
        "密一*六个月",
        "机@密★二〇三〇年十二月三十一日",
        "a . 机/密 . b",
        "★二〇三〇年 十二月",
    ] {
        let once = normalize(input).text;
        assert_eq!(normalize(&once).text, once, "input: {input:?}");
    }
}

#[test]
fn the_plain_bitmap_is_plain_class_for_every_bmp_char() {
    let bits = plain_bmp();
    for code in 0..0x1_0000u32 {
        let bit = bits[(code >> 6) as usize] >> (code & 63) & 1 == 1;
        let class = char::from_u32(code).and_then(plain_class);
        assert_eq!(bit, class.is_some(), "U+{code:04X}");
    }
}
