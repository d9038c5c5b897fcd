//! A test portal served by the test itself on loopback: column pages with
//! pagination (下一页 links and a TRS `createPageHTML` script), articles,
//! attachments of several formats, a GBK column, a page only the sitemap
//! names, duplicate links, a redirect, a 404, a redirect loop, a page that
//! never answers, a huge page, a robots.txt-disallowed page, and a link to a
//! second loopback server standing for an outside host. Every request is
//! logged (path with query, `If-None-Match`), pages can be changed or
//! removed between runs, and ETags are honoured with 304.

use crate::office::{docx, p, pdf, resident_ids, xlsx, Sheet};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One resource.
#[derive(Clone)]
pub enum Res {
    Ok {
        content_type: String,
        body: Vec<u8>,
    },
    Redirect(String),
    NotFound,
    /// Holds the connection for an hour.
    Hang,
    /// Answers after the gate opens (see [`Portal::gate`]), or at once.
    Gated {
        content_type: String,
        body: Vec<u8>,
    },
}

impl Res {
    pub fn html(body: &str) -> Res {
        Res::Ok {
            content_type: "text/html; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub if_none_match: Option<String>,
}

#[derive(Default)]
pub struct Site {
    pub resources: HashMap<String, Res>,
    pub hits: Vec<Hit>,
    /// Requests in flight now and at most (for the two-instance test).
    pub in_flight: usize,
    pub max_in_flight: usize,
}

pub type Shared = Arc<Mutex<Site>>;

pub struct Portal {
    pub base: String,
    /// `127.0.0.1:PORT`, as `inspect_hosts` names it.
    pub host: String,
    pub site: Shared,
    /// Opened when a [`Res::Gated`] resource may answer.
    pub gate: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Ctx {
    site: Shared,
    gate: Arc<tokio::sync::Notify>,
}

async fn serve_one(State(ctx): State<Ctx>, req: Request) -> Response {
    let path = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.uri().path()),
        None => req.uri().path().to_string(),
    };
    let inm = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = {
        let mut site = ctx.site.lock().unwrap();
        site.hits.push(Hit {
            path: path.clone(),
            if_none_match: inm.clone(),
        });
        site.in_flight += 1;
        site.max_in_flight = site.max_in_flight.max(site.in_flight);
        site.resources.get(&path).cloned().unwrap_or(Res::NotFound)
    };
    let done = |site: &Shared| site.lock().unwrap().in_flight -= 1;
    let reply = |content_type: &str, body: Vec<u8>| {
        let etag = format!("\"{}\"", &baomi::service::store::sha256_hex(&body)[..16]);
        if inm.as_deref() == Some(etag.as_str()) {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header("etag", etag)
                .body(Body::empty())
                .unwrap();
        }
        Response::builder()
            .header("content-type", content_type)
            .header("etag", etag)
            .body(Body::from(body))
            .unwrap()
    };
    let resp = match res {
        Res::Ok { content_type, body } => reply(&content_type, body),
        Res::Gated { content_type, body } => {
            let _ = tokio::time::timeout(Duration::from_secs(20), ctx.gate.notified()).await;
            reply(&content_type, body)
        }
        Res::Redirect(to) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut()
                .insert("location", HeaderValue::from_str(&to).unwrap());
            r
        }
        Res::NotFound => {
            let mut r = Response::new(Body::from("<h1>404</h1>"));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
        Res::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Response::new(Body::empty())
        }
    };
    done(&ctx.site);
    resp
}

impl Portal {
    /// Serves `resources` on a free loopback port.
    pub async fn start(resources: impl FnOnce(&str) -> HashMap<String, Res>) -> Portal {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let site: Shared = Arc::new(Mutex::new(Site {
            resources: resources(&base),
            ..Site::default()
        }));
        let gate = Arc::new(tokio::sync::Notify::new());
        let app = axum::Router::new().fallback(serve_one).with_state(Ctx {
            site: site.clone(),
            gate: gate.clone(),
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Portal {
            host: addr.to_string(),
            base,
            site,
            gate,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// How often each path was requested.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for h in &self.site.lock().unwrap().hits {
            *out.entry(h.path.clone()).or_default() += 1;
        }
        out
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.site.lock().unwrap().hits.clone()
    }

    pub fn set(&self, path: &str, res: Res) {
        self.site.lock().unwrap().resources.insert(path.into(), res);
    }

    pub fn clear_hits(&self) {
        self.site.lock().unwrap().hits.clear();
    }
}

/// 机密★1年 … in GBK: what an old column serves.
fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

pub const LEAK_PAGE: &str = "/news/a1.html";
pub const LEAK_COPY: &str = "/copy/a1.html";
pub const CLEAN_PAGE: &str = "/news/a2.html";
pub const ROSTER: &str = "/files/%E5%90%8D%E5%8D%95.xlsx";
pub const NOTICE_DOCX: &str = "/files/%E9%80%9A%E7%9F%A5.docx";
pub const CLEAN_PDF: &str = "/files/report.pdf";
pub const INTERNAL_PAGE: &str = "/notice/index_1.html";
pub const GBK_PAGE: &str = "/old/index.html";
pub const GBK_HEADER_PAGE: &str = "/old/b.html";
pub const SITEMAP_ONLY: &str = "/hidden/only-in-sitemap.html";
pub const PRIVATE: &str = "/private/secret.html";
pub const HUGE: &str = "/huge.html";
pub const SLOW: &str = "/slow.html";
pub const GONE: &str = "/gone.html";

/// The leaking article (block: a classification marking applied).
pub fn leak_article() -> String {
    "<html><head><title>关于某工程的通知</title></head><body><p>机密★1年</p>\
     <p>关于某工程建设有关事项的通知</p></body></html>"
        .into()
}

/// The same article after it was rectified.
pub fn fixed_article() -> String {
    "<html><head><title>关于某工程的通知</title></head><body>\
     <p>关于某工程建设有关事项的通知（已公开部分）</p></body></html>"
        .into()
}

/// The portal's resources; `outside` is the base of the outside host.
pub fn portal(base: &str, outside: &str) -> HashMap<String, Res> {
    let mut m = HashMap::new();
    let html = |s: &str| Res::html(s);
    m.insert(
        "/robots.txt".into(),
        Res::Ok {
            content_type: "text/plain".into(),
            body: format!("User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap.xml\n")
                .into_bytes(),
        },
    );
    m.insert(
        "/sitemap.xml".into(),
        Res::Ok {
            content_type: "application/xml".into(),
            body: format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/</loc></url><url><loc>{base}{SITEMAP_ONLY}</loc></url></urlset>"#
            )
            .into_bytes(),
        },
    );
    m.insert(
        "/".into(),
        html(&format!(
            r#"<html><head><meta charset="utf-8"><title>某市人民政府门户网站</title></head><body>
            <a href="/news/index.html">新闻动态</a> <a href="/notice/index.html">通知公告</a> <a href="/old/index.html">旧栏目</a>
            <a href="/news/a1.html#top">头条</a> <a href="news/a1.html">头条（重复）</a>
            <a href="/list?b=2&amp;a=1">列表</a> <a href="/list?a=1&b=2">列表（参数顺序不同）</a>
            <a href="/moved">已迁移</a> <a href="{GONE}">已删除</a> <a href="/loop/a">循环</a>
            <a href="{SLOW}">慢</a> <a href="{HUGE}">大</a> <a href="{PRIVATE}">内部</a> <a href="{LEAK_COPY}">转载</a>
            <a href="{outside}/x.html">外部网站</a></body></html>"#
        )),
    );
    m.insert(
        "/news/index.html".into(),
        html(r#"<html><body><h1>新闻动态</h1><a href="a1.html">通知</a><a href="a2.html">活动</a><a href="index_1.html">下一页</a></body></html>"#),
    );
    m.insert(
        "/news/index_1.html".into(),
        html(r#"<html><body><h1>新闻动态 第2页</h1><a href="a3.html">安全周</a><a href="index_2.html">下一页</a></body></html>"#),
    );
    m.insert(
        "/news/index_2.html".into(),
        html(&format!(
            r#"<html><body><h1>新闻动态 第3页</h1><a href="{ROSTER}">名单</a> <a href="{NOTICE_DOCX}">通知附件</a>
            <a href="{CLEAN_PDF}">年度报告</a> <a href="/files/data.csv">统计数据</a></body></html>"#
        )),
    );
    m.insert(LEAK_PAGE.into(), html(&leak_article()));
    m.insert(LEAK_COPY.into(), html(&leak_article()));
    m.insert(
        CLEAN_PAGE.into(),
        html("<html><head><title>安全教育周</title></head><body><p>市教育局组织开展中小学安全教育周活动，邀请消防、交警等部门进校园开展专题讲座。</p></body></html>"),
    );
    m.insert(
        "/news/a3.html".into(),
        html("<html><body><p>区卫生健康委提醒广大市民注意个人防护。联系电话：0371-12345678。</p></body></html>"),
    );
    m.insert(
        "/notice/index.html".into(),
        html(r#"<html><body><h1>通知公告</h1><a href="n0.html">通知</a><script>createPageHTML(2, 0, "index", "html");</script></body></html>"#),
    );
    m.insert(
        "/notice/n0.html".into(),
        html("<html><body><p>关于开展2026年度保密自查工作的通知：各单位要逐项检查，无违规在国际互联网发布信息的现象。</p></body></html>"),
    );
    m.insert(
        INTERNAL_PAGE.into(),
        html("<html><body><h1>通知公告 第2页</h1><p>内部资料 注意保存</p><p>会议纪要</p></body></html>"),
    );
    m.insert(
        GBK_PAGE.into(),
        Res::Ok {
            content_type: "text/html".into(),
            body: [
                br#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>"#.as_slice(),
                &gbk("旧栏目"),
                b"</title></head><body><p>",
                &gbk("内部资料 注意保存"),
                b"</p><p>",
                &gbk("二〇一二年工作会议纪要"),
                br#"</p><a href="b.html">"#,
                &gbk("旧文章"),
                b"</a></body></html>",
            ]
            .concat(),
        },
    );
    m.insert(
        GBK_HEADER_PAGE.into(),
        Res::Ok {
            content_type: "text/html; charset=GBK".into(),
            body: [
                b"<html><head><title>".as_slice(),
                &gbk("旧栏目文章"),
                b"</title></head><body><p>",
                &gbk("市政府召开常务会议，研究部署春季农业生产工作。"),
                b"</p></body></html>",
            ]
            .concat(),
        },
    );
    m.insert(
        SITEMAP_ONLY.into(),
        html("<html><body><p>秘密★6个月</p><p>关于某项目的请示</p></body></html>"),
    );
    m.insert(
        PRIVATE.into(),
        html("<html><body><p>绝密★长期</p></body></html>"),
    );
    m.insert(
        "/list?a=1&b=2".into(),
        html("<html><body><p>信息公开目录</p></body></html>"),
    );
    m.insert("/moved".into(), Res::Redirect(CLEAN_PAGE.into()));
    m.insert("/loop/a".into(), Res::Redirect("/loop/b".into()));
    m.insert("/loop/b".into(), Res::Redirect("/loop/a".into()));
    m.insert(SLOW.into(), Res::Hang);
    m.insert(
        HUGE.into(),
        Res::html(&format!(
            "<html><body>{}</body></html>",
            "<p>市政府工作动态。</p>".repeat(40_000)
        )),
    );
    let mut rows = vec![vec!["序号".to_string(), "姓名".into(), "身份证号".into()]];
    for (i, id) in resident_ids(5).into_iter().enumerate() {
        rows.push(vec![(i + 1).to_string(), format!("王某{i}"), id]);
    }
    m.insert(
        ROSTER.into(),
        Res::Ok {
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                .into(),
            body: xlsx(&[Sheet::new("名单", rows)], &[]),
        },
    );
    m.insert(
        NOTICE_DOCX.into(),
        Res::Ok {
            // Served untyped: the extension and the content say what it is.
            content_type: "application/octet-stream".into(),
            body: docx(&format!("{}{}", p("机密★1年"), p("关于某工程的请示")), &[]),
        },
    );
    m.insert(
        CLEAN_PDF.into(),
        Res::Ok {
            content_type: "application/pdf".into(),
            body: pdf(&[
                "2025年度政府信息公开工作报告",
                "本年度主动公开政府信息1200条。",
            ]),
        },
    );
    m.insert(
        "/files/data.csv".into(),
        Res::Ok {
            content_type: "text/csv; charset=utf-8".into(),
            body: "年份,数量\n2024,120\n2025,135\n".as_bytes().to_vec(),
        },
    );
    m
}

/// The outside host: anything it is asked is a failure of the test.
pub fn outside(_: &str) -> HashMap<String, Res> {
    let mut m = HashMap::new();
    m.insert(
        "/x.html".into(),
        Res::html("<html><body>外部网站</body></html>"),
    );
    m
}
