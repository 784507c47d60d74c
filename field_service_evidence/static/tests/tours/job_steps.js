/** @odoo-module **/

// Steps on a job's form shared by the technician's tours.

export const READINGS = "div[name='reading_ids']";
export const ITEMS = "div[name='work_item_ids']";

// Type `search` in a many2one of the row being edited in `list` and pick `choice`;
// `check(item)` may look at the proposed item before it is picked.
export function pickInRow(list, field, search, choice, content, check = () => {}) {
    return [
        {
            content,
            trigger: `${list} .o_selected_row div[name='${field}'] input`,
            run: `edit ${search}`,
        },
        {
            content: `Choose ${choice}`,
            trigger: `.o-autocomplete--dropdown-menu .dropdown-item:contains(${choice})`,
            run(helpers) {
                check(this.anchor);
                return helpers.click();
            },
        },
    ];
}

// Add a reading to the job and fill in its row, up to saving the job. Without a
// phaseLabel, the phase the job proposes is kept.
export function fillReading({ search, choice, unit, component, phaseLabel, measured }) {
    return [
        {
            content: "Add a reading",
            trigger: `${READINGS} .o_field_x2many_list_row_add a:contains(Add a reading)`,
            run: "click",
        },
        ...pickInRow(READINGS, "type_id", search, choice, "Pick the reading type"),
        {
            content: `The unit of the type shows beside the value: ${unit}`,
            trigger: `${READINGS} .o_selected_row div[name='measured_value']:contains(${unit})`,
        },
        {
            content: "Say which component was tested",
            trigger: `${READINGS} .o_selected_row div[name='component'] input`,
            run: `edit ${component}`,
        },
        ...(phaseLabel
            ? [
                  {
                      content: `When it was measured: ${phaseLabel}`,
                      trigger: `${READINGS} .o_selected_row div[name='phase'] select`,
                      run: `selectByLabel ${phaseLabel}`,
                  },
              ]
            : []),
        {
            content: "Type the measured value",
            trigger: `${READINGS} .o_selected_row div[name='measured_value'] input`,
            run: `edit ${measured}`,
        },
    ];
}
