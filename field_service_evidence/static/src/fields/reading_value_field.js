/** @odoo-module **/

import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";
import { FloatField, floatField } from "@web/views/fields/float/float_field";

// A measured value as the technician reads it on the meter: with the decimals and the
// unit of its reading type (238 V, 2.1 uF, 0.45 in. WC), not the 4 decimals the value
// is stored with. The record carries the type's decimals and unit in two fields,
// named by the options decimals_field and unit_field.
export class ReadingValueField extends FloatField {
    static template = "field_service_evidence.ReadingValueField";
    static props = {
        ...FloatField.props,
        decimalsField: { type: String },
        unitField: { type: String },
    };

    get unit() {
        return this.props.record.data[this.props.unitField] || "";
    }

    get formattedValue() {
        const decimals = this.props.record.data[this.props.decimalsField];
        if (!Number.isInteger(decimals) || !this.props.formatNumber) {
            return super.formattedValue;
        }
        return formatFloat(this.value, { digits: [16, decimals] });
    }
}

export const readingValueField = {
    ...floatField,
    component: ReadingValueField,
    displayName: "Reading value",
    fieldDependencies: ({ options }) => [
        { name: options.decimals_field || "decimals", type: "integer" },
        { name: options.unit_field || "unit", type: "char" },
    ],
    extractProps: (fieldInfo) => ({
        ...floatField.extractProps(fieldInfo),
        decimalsField: fieldInfo.options.decimals_field || "decimals",
        unitField: fieldInfo.options.unit_field || "unit",
    }),
};

registry.category("fields").add("reading_value", readingValueField);
