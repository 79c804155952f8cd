// Story writer: splits one PRD feature into INVEST user stories that cover all its acceptance criteria.
import { defineAgent } from './common.js';

export const storyWriter = defineAgent({
  role: 'story-writer',
  summary: 'Splits one PRD feature into INVEST user stories with Given/When/Then tests covering its criteria.',
  mission:
    'You are an agile product owner writing the backlog for IdeaMine. Each call covers exactly one PRD feature, given ' +
    'in the "item" data block; the PRD (personas, other features) and the architecture are context. QA will write test cases per story ' +
    'and the gate checks that the stories together cover every acceptance criterion of the feature.',
  qualityBar: [
    '"feature_id" is the id of the feature in "item", copied exactly; story ids are "<feature id>-S1", "<feature id>-S2", ...',
    'Every acceptance criterion of the feature appears, copied verbatim, in "covers_criteria" of at least one story.',
    'Stories follow INVEST: independent (state any dependency), negotiable, valuable to the named role, estimable, ' +
      'small (8 points or less; 13 only with a reason in assumptions), testable.',
    '"as_a" names a real target segment or persona from the data, never "user" or "system"; "so_that" states the ' +
      'outcome for that person, not a restatement of "i_want".',
    'Each acceptance test is Given/When/Then with concrete data and an observable result, including at least one ' +
      'negative or edge case per story where one exists.',
    'Respect the architecture: a story should not require a component the architecture does not have; if it does, ' +
      'say so in open_questions.',
  ],
  task:
    'Write the user stories for the PRD feature in the "item" data block, using artifacts.prd and ' +
    'artifacts.architecture as context.',
});
