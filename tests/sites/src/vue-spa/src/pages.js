// The handbook's pages: original prose about a fictional lighthouse-keeping society. Each page is
// a title and sections; a section is a heading (with an id) and its paragraphs.
export const pages = [
  {
    path: '/', title: 'Lantern handbook',
    intro: 'The handbook of the Coastal Lantern Society: how its volunteers keep the old harbour lights burning, from the first climb of the season to the last entry in the logbook.',
    sections: [
      { id: 'how-to-read', title: 'How to read this handbook', text: ['Start with the duties of a keeper, then read about the lamp you will tend. The logbook chapter is short but nobody may skip it: the society depends on its records when it asks the harbour board for money.'] },
    ],
  },
  {
    path: '/duties', title: 'Duties of a keeper',
    intro: 'A keeper looks after one light for one month at a time. The duties are few but they do not wait for good weather.',
    sections: [
      { id: 'evening-round', title: 'The evening round', text: ['Climb the tower half an hour before sunset, clean the glass of salt and soot, trim the wick or check the bulb, and light the lamp when the sun touches the horizon.', 'On foggy evenings light it an hour early and start the horn.'] },
      { id: 'morning-round', title: 'The morning round', text: ['Put the light out at sunrise, close the curtains so the lens does not focus sunlight on the burner, and note the fuel left in the tank.'] },
    ],
  },
  {
    path: '/lamps', title: 'The lamps',
    intro: 'The society keeps three kinds of light. Each needs its own care, and a keeper is trained on one before tending it alone.',
    sections: [
      { id: 'paraffin', title: 'Paraffin burners', text: ['The oldest lights burn paraffin under a mantle. A mantle crumbles at a touch once lit: change it with the lamp cold and never in a draught.'] },
      { id: 'electric', title: 'Electric lamps', text: ['Two lights were converted in the sixties. Their bulbs sit on a changer that swings a spare into place when the first one fails; check that the spare is whole every week.'] },
      { id: 'lens-care', title: 'Caring for the lens', text: ['Clean the prisms with distilled water and a linen cloth, working from the top down. Solvents cloud the glass, and a clouded prism costs the light a mile of range.'] },
    ],
  },
  {
    path: '/logbook', title: 'The logbook',
    intro: 'Every evening and every morning round ends with an entry in the logbook, written in ink.',
    sections: [
      { id: 'what-to-write', title: 'What to write', text: ['The time the light went on and off, the weather, the fuel used, anything repaired, and every ship that signalled the tower.'] },
      { id: 'keeping-it-dry', title: 'Keeping it dry', text: ['The book lives in the tin box under the stairs, never in the lantern room where the glass sweats at night.'] },
    ],
  },
]
