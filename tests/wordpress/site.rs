//! What the WordPress test stands up, all on loopback and in one temp dir:
//! a throwaway MariaDB (`mariadb-install-db` + `mariadbd` on a Unix socket,
//! no TCP), a copy of Debian's WordPress tree (`/usr/share/wordpress`) with
//! a `wp-config.php` of our own, PHP's built-in server on a free port,
//! WordPress installed non-interactively by a PHP script, and the real
//! `baomi serve` with a config file.
//!
//! Why a copy of the tree: Debian's `wp-config.php` reads
//! `/etc/wordpress/config-<host>.php`, outside the test's dir; and
//! WordPress finds itself through `__DIR__`, so a tree of symlinks would
//! lead back to Debian's config. Copying 90 MB takes a fraction of a second.
//!
//! Every process is started in its own process group and stopped on drop,
//! and a watchdog stops it if the test binary dies without dropping.

use crate::server_support::{free_port, TempDir};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const WORDPRESS: &str = "/usr/share/wordpress";
pub const EDITOR_LOGIN: &str = "editor";
pub const EDITOR_PASSWORD: &str = "editor-pass-1";
pub const EDITOR_NAME: &str = "编辑甲";
pub const OFFICER_NAME: &str = "审查员甲";
pub const CATEGORY: &str = "县政府办公室";
/// The webhook secret of the test's baomi (set explicitly, as in production).
pub const WEBHOOK_SECRET: &str = "whs-wordpress-test-0123456789abcdef";

const BAOMI: &str = env!("CARGO_BIN_EXE_baomi");

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/bin".into(), "/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Fails (never skips) naming the Debian package of whatever is missing.
pub fn check_prerequisites() {
    let mut missing = Vec::new();
    if !Path::new(WORDPRESS).join("wp-settings.php").is_file() {
        missing.push(format!("wordpress ({WORDPRESS}/wp-settings.php)"));
    }
    for (program, package) in [
        ("mariadb-install-db", "mariadb-server"),
        ("mariadbd", "mariadb-server"),
        ("mariadb", "mariadb-client"),
        ("php", "php-cli"),
    ] {
        if find_program(program).is_none() {
            missing.push(format!("{package} (no `{program}`)"));
        }
    }
    if let Ok(out) = Command::new("php").arg("-m").output() {
        let modules = String::from_utf8_lossy(&out.stdout).to_lowercase();
        for (module, package) in [
            ("mysqli", "php-mysql"),
            ("curl", "php-curl"),
            ("xml", "php-xml"),
        ] {
            if !modules.lines().any(|l| l.trim() == module) {
                missing.push(format!("{package} (PHP module {module})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the WordPress test needs these Debian packages: {}. Install them with \
         `apt-get install wordpress mariadb-server php-cli php-mysql php-curl php-xml` \
         (./test.sh does)",
        missing.join(", ")
    );
}

fn run_checked(mut cmd: Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A server process in its own process group, stopped on drop.
pub struct Process {
    child: Option<Child>,
    what: &'static str,
}

impl Process {
    fn spawn(mut cmd: Command, what: &'static str) -> Process {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {what}: {e}"));
        // Never waited for: it must outlive the test binary to clean up.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args([
                "-c",
                &format!(
                    "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill -9 -{pid} 2>/dev/null",
                    me = std::process::id(),
                    pid = child.id()
                ),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a watchdog");
        Process {
            child: Some(child),
            what,
        }
    }

    /// SIGTERM to the group, then waits (SIGKILL after 10 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{} did not stop on SIGTERM: killed", self.what);
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `ready` or panics with `what` and the log after `within`.
fn wait_until(within: Duration, what: &str, log: &Path, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < within,
            "{what} not ready after {within:?}; log {}:\n{}",
            log.display(),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ----- MariaDB -----------------------------------------------------------

pub struct Mariadb {
    pub socket: PathBuf,
    _server: Process,
}

impl Mariadb {
    /// A fresh data dir, the server on a Unix socket only, a database
    /// `wordpress` and its user `wp`.
    pub fn start(dir: &Path) -> Mariadb {
        let data = dir.join("mariadb");
        let socket = dir.join("mariadb.sock");
        let log = dir.join("mariadb.log");
        let root = running_as_root();
        let mut install = Command::new(find_program("mariadb-install-db").unwrap());
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if root {
            install.arg("--user=root");
        }
        run_checked(install, "mariadb-install-db");
        let mut server = Command::new(find_program("mariadbd").unwrap());
        server
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("mariadb.pid").display()))
            .arg(format!("--log-error={}", log.display()))
            // A throwaway database: durability is not what is tested here.
            .args([
                "--skip-networking",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=64M",
                "--innodb-flush-log-at-trx-commit=0",
                "--character-set-server=utf8mb4",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if root {
            server.arg("--user=root");
        }
        let server = Process::spawn(server, "mariadbd");
        let db = Mariadb {
            socket,
            _server: server,
        };
        wait_until(Duration::from_secs(60), "mariadbd", &log, || {
            db.sql("SELECT 1").is_ok()
        });
        db.sql(
            "CREATE DATABASE wordpress CHARACTER SET utf8mb4; \
             CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-pass'; \
             GRANT ALL ON wordpress.* TO 'wp'@'localhost';",
        )
        .unwrap_or_else(|e| panic!("create the WordPress database: {e}"));
        db
    }

    /// Runs SQL as the database's root user; stdout, tab-separated.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(find_program("mariadb").unwrap())
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket.display()))
            .args(["-uroot", "--batch", "--skip-column-names", "-e", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

// ----- baomi -------------------------------------------------------------

pub struct Baomi {
    pub base: String,
    pub config: PathBuf,
    pub cms_token: String,
    pub officer_token: String,
    server: Process,
}

impl Baomi {
    pub fn start(dir: &Path) -> Baomi {
        let config = dir.join("baomi.toml");
        // Callbacks go only to allowed hosts: the WordPress site on loopback.
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\n\
                 database_url = \"sqlite://{}/baomi.sqlite\"\n\
                 webhook_secret = \"{WEBHOOK_SECRET}\"\n\
                 callback_backoff_ms = 200\n\
                 callback_poll_ms = 50\n\
                 callback_hosts = [\"127.0.0.1\"]\n\
                 audit_key_file = \"{}/audit.key\"\n\
                 audit_anchor_file = \"{}/anchors.txt\"\n",
                dir.display(),
                dir.display(),
                dir.display()
            ),
        )
        .unwrap();
        let token = |args: &[&str]| {
            let mut cmd = Command::new(BAOMI);
            cmd.args(["token", "create"])
                .args(args)
                .arg("--config")
                .arg(&config);
            run_checked(cmd, "baomi token create").trim().to_string()
        };
        let cms_token = token(&["--role", "cms", "--name", "门户WordPress"]);
        let officer_token = token(&["--role", "officer", "--level", "3", "--name", OFFICER_NAME]);
        let log = dir.join("baomi.log");
        let mut cmd = Command::new(BAOMI);
        cmd.arg("serve")
            .arg("--config")
            .arg(&config)
            .env("BAOMI_LOG", "info")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        let mut server = Process::spawn(cmd, "baomi serve");
        let stdout = server.child.as_mut().unwrap().stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| {
                panic!(
                    "baomi serve printed nothing ({e}); log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let addr = first
            .split("listening on http://")
            .nth(1)
            .unwrap_or_else(|| panic!("baomi's first line names no address: {first:?}"));
        Baomi {
            base: format!("http://{addr}"),
            config,
            cms_token,
            officer_token,
            server,
        }
    }

    /// The plugin as a site administrator gets it: `baomi integration wordpress`.
    pub fn plugin(&self) -> String {
        let mut cmd = Command::new(BAOMI);
        cmd.args(["integration", "wordpress", "--hook-url", &self.base])
            .args(["--token", &self.cms_token])
            .arg("--config")
            .arg(&self.config);
        run_checked(cmd, "baomi integration wordpress")
    }

    pub fn stop(&mut self) {
        self.server.stop();
    }
}

// ----- WordPress -----------------------------------------------------------

pub struct WordPress {
    pub base: String,
    pub root: PathBuf,
    pub debug_log: PathBuf,
    pub app_password: String,
    pub category_id: u64,
    _server: Process,
}

impl WordPress {
    /// Copies the tree, writes wp-config.php, serves it with `php -S` and
    /// installs WordPress with an editor, an application password for REST
    /// clients and a category. The plugin is added with [`WordPress::add_plugin`].
    pub fn start(dir: &Path, db: &Mariadb) -> WordPress {
        let root = dir.join("site");
        let mut copy = Command::new("cp");
        copy.arg("-r").arg(WORDPRESS).arg(&root);
        run_checked(copy, "copy the WordPress tree");
        // Debian's config (per host, in /etc/wordpress) and .htaccess (Apache) are not ours.
        let _ = std::fs::remove_file(root.join(".htaccess"));
        let _ = std::fs::remove_dir_all(root.join("wp-content/languages"));
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let debug_log = dir.join("wordpress-debug.log");
        let keys: String = [
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        ]
        .iter()
        .map(|k| format!("define('{k}', 'baomi-test-{k}-{port}');\n"))
        .collect();
        std::fs::write(
            root.join("wp-config.php"),
            format!(
                "<?php\n\
                 define('DB_NAME', 'wordpress');\n\
                 define('DB_USER', 'wp');\n\
                 define('DB_PASSWORD', 'wp-pass');\n\
                 define('DB_HOST', 'localhost:{socket}');\n\
                 define('DB_CHARSET', 'utf8mb4');\n\
                 define('DB_COLLATE', '');\n\
                 {keys}\
                 $table_prefix = 'wp_';\n\
                 define('WP_HOME', '{base}');\n\
                 define('WP_SITEURL', '{base}');\n\
                 // The test runs the scheduler itself (wp-cron.php), as a system cron would.\n\
                 define('DISABLE_WP_CRON', true);\n\
                 define('AUTOMATIC_UPDATER_DISABLED', true);\n\
                 // Loopback only: no update checks, no external requests.\n\
                 define('WP_HTTP_BLOCK_EXTERNAL', true);\n\
                 // Application passwords without HTTPS.\n\
                 define('WP_ENVIRONMENT_TYPE', 'local');\n\
                 define('WP_DEBUG', true);\n\
                 define('WP_DEBUG_LOG', '{log}');\n\
                 define('WP_DEBUG_DISPLAY', false);\n\
                 {OVERRIDES}{OVERRIDES_END}\
                 if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');\n\
                 require_once ABSPATH . 'wp-settings.php';\n",
                socket = db.socket.display(),
                log = debug_log.display(),
            ),
        )
        .unwrap();
        std::fs::write(dir.join("router.php"), ROUTER).unwrap();
        let server_log = dir.join("php-server.log");
        let mut php = Command::new("php");
        // Opcache checks files on every request: the test changes wp-config.php.
        php.args(["-d", "opcache.revalidate_freq=0"])
            .args(["-S", &format!("127.0.0.1:{port}"), "-t"])
            .arg(&root)
            .arg(dir.join("router.php"))
            // A callback from baomi may arrive while a page is being served.
            .env("PHP_CLI_SERVER_WORKERS", "4")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&server_log).unwrap());
        let server = Process::spawn(php, "php -S");
        wait_until(Duration::from_secs(30), "php -S", &server_log, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });

        std::fs::write(dir.join("install.php"), INSTALL).unwrap();
        let mut install = Command::new("php");
        install.arg(dir.join("install.php")).arg(&root);
        let out = run_checked(install, "the WordPress install script");
        let line = out.lines().last().unwrap_or_default();
        let installed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("install script said {out:?}: {e}"));
        WordPress {
            base,
            root,
            debug_log,
            app_password: installed["app_password"].as_str().unwrap().to_string(),
            category_id: installed["category"].as_u64().unwrap(),
            _server: server,
        }
    }

    /// Drops a must-use plugin file into wp-content/mu-plugins/.
    pub fn add_plugin(&self, name: &str, text: &str) {
        let dir = self.root.join("wp-content/mu-plugins");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut lint = Command::new("php");
        lint.arg("-l").arg(&path);
        run_checked(lint, "php -l on the plugin");
    }

    /// Adds PHP lines to wp-config.php (before WordPress loads), or with
    /// `""` takes them out again: how a site overrides the plugin's settings.
    pub fn set_config(&self, lines: &str) {
        let path = self.root.join("wp-config.php");
        let config = std::fs::read_to_string(&path).unwrap();
        let (head, tail) = config.split_once(OVERRIDES).unwrap();
        let tail = tail.split_once(OVERRIDES_END).unwrap().1;
        std::fs::write(
            &path,
            format!("{head}{OVERRIDES}{lines}\n{OVERRIDES_END}{tail}"),
        )
        .unwrap();
    }

    /// Runs PHP with WordPress loaded (as WP-CLI would), for what the test
    /// cannot do through HTTP.
    pub fn php(&self, code: &str) -> String {
        let mut php = Command::new("php");
        php.arg("-r").arg(format!(
            "require '{}/wp-load.php'; {code}",
            self.root.display()
        ));
        run_checked(php, "php with WordPress loaded")
    }

    /// Lets a scheduled post's time come: its date and its
    /// `publish_future_post` event move into the past (the scheduler itself
    /// then runs as it would at that time).
    pub fn make_due(&self, post_id: u64) {
        self.php(&format!(
            "global $wpdb; $past = gmdate('Y-m-d H:i:s', time() - 60);
             $wpdb->update($wpdb->posts, array('post_date_gmt' => $past, 'post_date' => get_date_from_gmt($past)), array('ID' => {post_id}));
             clean_post_cache({post_id});
             wp_clear_scheduled_hook('publish_future_post', array({post_id}));
             wp_schedule_single_event(time() - 1, 'publish_future_post', array({post_id}));"
        ));
    }

    pub fn debug_log(&self) -> String {
        std::fs::read_to_string(&self.debug_log).unwrap_or_default()
    }
}

const OVERRIDES: &str = "// test overrides:\n";
const OVERRIDES_END: &str = "// end of test overrides\n";

/// Everything that is not a file goes to WordPress's index.php (pretty
/// permalinks, /wp-json/), as Apache's rewrite rules would.
const ROUTER: &str = r#"<?php
$root = $_SERVER['DOCUMENT_ROOT'];
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($path !== '/' && file_exists($root . $path)
    && (!is_dir($root . $path) || file_exists(rtrim($root . $path, '/') . '/index.php'))) {
    return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
require $root . '/index.php';
"#;

/// `php install.php SITE`: installs WordPress as its installer does, plus an
/// editor with an application password and a category; prints them as JSON.
const INSTALL: &str = r#"<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = '127.0.0.1';
// No mail on a test machine.
function wp_mail() { return true; }
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$installed = wp_install('某县人民政府门户网站', 'admin', 'admin@example.invalid', false, '', 'admin-pass-1');
if (is_wp_error($installed)) { fwrite(STDERR, $installed->get_error_message()); exit(1); }
// wp_install() may have chosen date-based permalinks (it tests them with a
// request to the running site); these rules must match the structure.
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%postname%/');
flush_rewrite_rules(false);
$editor = wp_insert_user(array(
    'user_login' => 'editor', 'user_pass' => 'editor-pass-1', 'role' => 'editor',
    'display_name' => '编辑甲', 'user_email' => 'editor@example.invalid',
));
if (is_wp_error($editor)) { fwrite(STDERR, $editor->get_error_message()); exit(1); }
list($app_password) = WP_Application_Passwords::create_new_application_password($editor, array('name' => 'baomi-test'));
$category = wp_insert_term('县政府办公室', 'category');
echo json_encode(array('editor' => $editor, 'app_password' => $app_password, 'category' => $category['term_id'])), "\n";
"#;

/// A test-only plugin standing for any plugin that publishes with
/// wp_publish_post() (a direct database update, like the scheduler's):
/// `/?baomi_test_direct_publish=ID` as a logged-in editor.
pub const DIRECT_PUBLISHER: &str = r#"<?php
add_action('init', function () {
    if (isset($_GET['baomi_test_direct_publish']) && current_user_can('edit_others_posts')) {
        wp_publish_post((int) $_GET['baomi_test_direct_publish']);
        wp_die('done', 'done', array('response' => 200));
    }
});
"#;

/// A started site: the database, WordPress and baomi, with the plugin in.
pub struct Site {
    pub baomi: Baomi,
    pub wp: WordPress,
    _db: Mariadb,
    /// Last: removed after every server stopped (kept, and named, when
    /// `BAOMI_WORDPRESS_KEEP` is set: its logs tell what the site did).
    dir: Option<TempDir>,
}

impl Drop for Site {
    fn drop(&mut self) {
        if std::env::var_os("BAOMI_WORDPRESS_KEEP").is_some() {
            if let Some(dir) = self.dir.take() {
                eprintln!("kept {}", dir.path().display());
                std::mem::forget(dir);
            }
        }
    }
}

impl Site {
    pub fn start() -> Site {
        check_prerequisites();
        let dir = TempDir::new("wordpress");
        let db = Mariadb::start(dir.path());
        let wp = WordPress::start(dir.path(), &db);
        let baomi = Baomi::start(dir.path());
        wp.add_plugin("baomi-gate.php", &baomi.plugin());
        wp.add_plugin("baomi-test-direct-publisher.php", DIRECT_PUBLISHER);
        Site {
            baomi,
            wp,
            _db: db,
            dir: Some(dir),
        }
    }
}
