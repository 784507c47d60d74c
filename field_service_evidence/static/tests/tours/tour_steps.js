/** @odoo-module **/

// Steps shared by the addon's form tours.

// Save the form and wait until it is saved.
export function saveForm(content, savedContent = "Wait for the record to be saved") {
    return [
        {
            content,
            trigger: ".o_form_view .o_form_button_save:enabled",
            run: "click",
        },
        {
            content: savedContent,
            trigger: ".o_form_view .o_form_saved",
        },
    ];
}

// Open a notebook page by its name and wait until it shows.
export function openTab(name, content) {
    return [
        {
            content,
            trigger: `.o_notebook a.nav-link[name='${name}']`,
            run: "click",
        },
        {
            content: "Wait for the tab to show",
            trigger: `.o_notebook a.nav-link.active[name='${name}']`,
        },
    ];
}
