/* Colours shared by the maps, the legend and the charts, so a category looks the same everywhere. */
(function () {
  "use strict";
  var Z = (window.Zhengyi = window.Zhengyi || {});

  Z.palette = {
    background: "#eef1ec",
    boundary: "#b42318",
    building: {
      office_tower_high: "#143f7a", // office towers of 100 m and more
      office_tower: "#5b8fd1", // office towers under 100 m
      residential: "#e08a3c",
      commercial: "#8e5bb5",
      under_construction: "#9aa3ad",
      public: "#3b9c6b",
      other: "#7a8591",
    },
    zone: {
      business: "#4c78a8",
      bar_street: "#d6604d",
      urban_village: "#f1a340",
      convention: "#7b3294",
      office: "#2b8cbe",
      park: "#5aae61",
      transport: "#737373",
      residential: "#e6ab02",
      other: "#999999",
    },
    area: { underground: "#c2a15a", skywalk: "#3aa6a0", street: "#999999" },
    network: { drive: "#56616d", walk: "#9ba6b2", underground: "#8c6d1f", skywalk: "#16807a" },
    // Landmark kinds with their own colour; every other kind (venues, plazas, malls …) is "other".
    landmark: {
      metro_station: "#c8102e",
      metro_exit: "#e4572e",
      police_station: "#143763",
      other: "#6a3d9a",
    },
  };

  /** Colour of a building feature: office towers by height, the rest by category. */
  Z.buildingColor = function (props) {
    var b = Z.palette.building;
    if (props.category === "office_tower") {
      return props.height_m >= 100 ? b.office_tower_high : b.office_tower;
    }
    return b[props.category] || b.other;
  };

  /** The JSON held by a <script type="application/json"> tag (json_script); strings holding JSON are decoded too. */
  Z.readJSON = function (id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    var value = JSON.parse(el.textContent);
    if (typeof value === "string") {
      try {
        value = JSON.parse(value);
      } catch (e) {
        /* a plain string after all */
      }
    }
    return value;
  };
})();
