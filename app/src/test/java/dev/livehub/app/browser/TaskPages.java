package dev.livehub.app.browser;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.SelectOption;

/**
 * What a trainer does on the task pages, as a person would, through the forms; shared by the browser tests.
 */
final class TaskPages {

    private TaskPages() {
    }

    static Locator rowOf(Page page, String title) {
        return page.locator("#crud-table tbody tr", new Page.LocatorOptions().setHasText(title));
    }

    static void setState(Page page, String baseUrl, String title, String state) {
        page.navigate(baseUrl + "/tasks");
        rowOf(page, title).locator(".cell-title a").click();
        page.selectOption("select[name=state]", state);
        page.click("#edit-form button[type=submit]");
        page.waitForURL("**/tasks");
    }

    static void create(Page page, String baseUrl, String learner, String title) {
        page.navigate(baseUrl + "/tasks/new");
        page.selectOption("select[name=learnerId]", new SelectOption().setLabel(learner));
        page.fill("input[name=title]", title);
        page.click("#new-task-form button[type=submit]");
        page.waitForURL("**/tasks");
    }

    static void delete(Page page, String baseUrl, String title) {
        page.navigate(baseUrl + "/tasks");
        rowOf(page, title).locator(".cell-title a").click();
        // The page asks before deleting.
        page.onceDialog(dialog -> dialog.accept());
        page.click("#delete");
        page.waitForURL("**/tasks");
    }
}
