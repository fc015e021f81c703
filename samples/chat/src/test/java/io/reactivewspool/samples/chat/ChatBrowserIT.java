package io.reactivewspool.samples.chat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ReactorNettyTestClient;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo in a real browser (Debian's headless Chromium): two people join a room and read each
 * other, a direct message lands in the notification panel, and the operator dashboard follows
 * the connection count. No page logs an error to the console (an invalid {@code pattern} attribute
 * did on every load). Screenshots go to {@code target/screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"wspool.admin.token=" + ChatBrowserIT.ADMIN_TOKEN, "chat.users.alice=" + ChatBrowserIT.ALICE_TOKEN})
class ChatBrowserIT {

    static final String ADMIN_TOKEN = "browser-admin-secret";
    static final String ALICE_TOKEN = "alice-browser-token";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    private final List<WebDriver> drivers = new ArrayList<>();

    @AfterEach
    void quitBrowsers() {
        drivers.forEach(WebDriver::quit);
    }

    @Test
    void twoPeopleChatInARoomAndTheDashboardFollowsConnections() throws IOException {
        WebDriver admin = browser();
        admin.get(url("/api/admin/websockets/dashboard/"));
        admin.findElement(By.id("admin-token")).sendKeys(ADMIN_TOKEN);
        admin.findElement(By.id("admin-connect")).click();
        waitText(admin, By.id("active-connections"), "0");

        WebDriver alice = browser();
        signIn(alice, "", ALICE_TOKEN);
        // The chat's palette is the dashboard's stylesheet, served by the core: a page without it is white.
        assertThat(alice.findElement(By.tagName("body")).getCssValue("background-color")).isEqualTo("rgba(15, 23, 42, 1)");
        WebDriver bob = browser();
        signIn(bob, "bob", "");
        join(alice, "lobby");
        join(bob, "lobby");

        waitText(admin, By.id("active-connections"), "2");
        waitContains(alice, By.id("members"), "bob");

        say(alice, "hello from alice");
        waitContains(bob, By.id("messages"), "hello from alice");
        say(bob, "hi alice, bob here");
        waitContains(alice, By.id("messages"), "hi alice, bob here");

        say(bob, "/dm alice are you there?");
        waitContains(alice, By.id("notifications"), "bob: are you there?");

        screenshot(alice, "chat-alice");
        screenshot(bob, "chat-bob");
        screenshot(admin, "dashboard-two-connections");

        assertNoConsoleErrors(alice, "alice");
        assertNoConsoleErrors(bob, "bob");
        bob.quit();
        drivers.remove(bob);
        waitText(admin, By.id("active-connections"), "1");
        screenshot(admin, "dashboard-after-bob-left");
        assertThat(admin.findElement(By.id("topics")).getText()).contains("chat.lobby");
        assertNoConsoleErrors(admin, "dashboard");
    }

    @Test
    void theDashboardsBroadcastAndDisconnectControlsReachRealConnections() throws IOException {
        ReactorNettyTestClient listener = ReactorNettyTestClient.connect("ws://127.0.0.1:" + port + "/ws?token=" + ALICE_TOKEN);
        String connectionId = listener.welcome().data().get("connection_id").asString();
        listener.send(WsMessage.subscribe("announcements").withId("s"));
        listener.next("subscribed");

        WebDriver admin = browser();
        admin.get(url("/api/admin/websockets/dashboard/"));
        admin.findElement(By.id("admin-token")).sendKeys(ADMIN_TOKEN);
        admin.findElement(By.id("admin-connect")).click();
        waitText(admin, By.id("active-connections"), "1");

        admin.findElement(By.id("bc-text")).sendKeys("maintenance at five");
        admin.findElement(By.id("bc-send")).click();
        WsMessage announcement = listener.next("system_announcement");
        assertThat(announcement.topic()).isEqualTo("announcements");
        assertThat(announcement.data().get("message").asString()).isEqualTo("maintenance at five");
        waitContains(admin, By.id("bc-result"), "reached 1 connection");

        By disconnect = By.cssSelector("button[data-connection-id='" + connectionId + "']");
        // The dashboard redraws its table every second: a button found just before a redraw is stale by the click.
        new WebDriverWait(admin, WAIT)
                .ignoring(StaleElementReferenceException.class)
                .ignoring(ElementNotInteractableException.class)
                .until(d -> {
                    d.findElement(disconnect).click();
                    return true;
                });
        assertThat(listener.awaitCloseCode()).isEqualTo(1000);
        assertThat(listener.closeReason()).isEqualTo("disconnected by operator");
        waitText(admin, By.id("active-connections"), "0");
        screenshot(admin, "dashboard-after-disconnect");
        assertNoConsoleErrors(admin, "dashboard");
    }

    private static void assertNoConsoleErrors(WebDriver d, String page) {
        List<String> errors = d.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
        assertThat(errors).as("console errors of the %s page", page).isEmpty();
    }

    private void signIn(WebDriver d, String name, String token) {
        d.get(url("/"));
        d.findElement(By.id("name")).sendKeys(name.isEmpty() ? "ignored" : name);
        if (!token.isEmpty()) {
            d.findElement(By.id("token")).sendKeys(token);
        }
        d.findElement(By.id("connect")).click();
        new WebDriverWait(d, WAIT).until(ExpectedConditions.attributeToBe(By.id("status"), "data-state", "connected"));
    }

    private static void join(WebDriver d, String room) {
        d.findElement(By.id("room")).sendKeys(room);
        d.findElement(By.id("join")).click();
        waitContains(d, By.id("rooms"), "#" + room);
    }

    private static void say(WebDriver d, String text) {
        new WebDriverWait(d, WAIT).until(ExpectedConditions.elementToBeClickable(By.id("text"))).sendKeys(text);
        d.findElement(By.id("send")).click();
    }

    private static void waitContains(WebDriver d, By by, String text) {
        new WebDriverWait(d, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    private static void waitText(WebDriver d, By by, String text) {
        new WebDriverWait(d, WAIT).until(ExpectedConditions.textToBe(by, text));
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File(System.getProperty("chromium.binary", "/usr/bin/chromium")));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver")))
                .usingAnyFreePort().build();
        WebDriver d = new ChromeDriver(service, options);
        drivers.add(d);
        return d;
    }

    private static void screenshot(WebDriver d, String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        byte[] png = ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES);
        Files.write(dir.resolve(name + ".png"), png);
        assertThat(png.length).as("screenshot %s", name).isGreaterThan(1000);
    }
}
